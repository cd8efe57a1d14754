//! The I/O half of a connection: a `WebSocket` (binary frames as `ArrayBuffer`s), one `setTimeout`
//! timer, and [`pump`], which moves the core's actions, bytes and events out to the page.
//!
//! Socket and timer callbacks feed the core (`handle_open/bytes/close/timeout`) and pump. Events go
//! to the waiters registered in [`Shared`]: subscription sinks (a callback or a parked iterator),
//! request and flush signals, the connect/close signals and the event listeners. The pump is not
//! re-entered: a call made from inside a callback only queues work that the running pump picks up.
//! [`pump_soon`] defers the pump to a microtask, so that writes queued in one turn of the page
//! (a loop of publishes) leave in a few large frames instead of one frame each.
//!
//! A socket and its callbacks hold the connection alive until the core closes it; every socket
//! carries a generation so that a late callback of a replaced socket is ignored.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::task::Waker;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::client::{ClientEvent, Listener};
use super::signal::Signal;
use crate::core::{Action, ClientError, Core, Event, FlushId, Message, RequestId, Sid};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &js_sys::Function);
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub(crate) fn console_error(message: &str, value: &JsValue);
}

/// Milliseconds since the epoch, the core's clock.
pub(crate) fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Runs `f` once after `ms` milliseconds.
pub(crate) fn after(ms: u64, f: impl FnOnce() + 'static) {
    let cb = Closure::once_into_js(f);
    set_timeout(cb.unchecked_ref(), ms.min(i32::MAX as u64) as i32);
}

/// Where a subscription's messages go.
pub(crate) enum Sink {
    /// Called for every message, in order.
    Callback(Rc<dyn Fn(Message)>),
    /// An iterator parked in `next()`, woken when messages arrive or the subscription ends.
    Waiter(Option<Waker>),
}

struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        // An explicit 1000: closing without a code makes some servers echo the reserved 1005,
        // which browsers report as a broken close frame.
        let _ = self.ws.close_with_code(1000);
    }
}

/// Everything one connection shares between its handles, callbacks and futures.
pub(crate) struct Shared {
    pub(crate) core: RefCell<Core>,
    pub(crate) sinks: RefCell<HashMap<Sid, Sink>>,
    pub(crate) requests: RefCell<HashMap<RequestId, Signal<Result<Message, ClientError>>>>,
    pub(crate) flushes: RefCell<HashMap<FlushId, Signal<Result<(), ClientError>>>>,
    pub(crate) listeners: RefCell<Vec<Listener>>,
    /// Set by the first connect (or its failure).
    pub(crate) connected: Signal<Result<(), ClientError>>,
    /// Set when the connection is closed for good.
    pub(crate) closed: Signal<Option<ClientError>>,
    socket: RefCell<Option<Socket>>,
    generation: Cell<u64>,
    /// The armed timer: `(setTimeout id, deadline)`.
    timer: RefCell<Option<(JsValue, u64)>>,
    tick: Closure<dyn FnMut()>,
    pumping: Cell<bool>,
    /// Runs [`pump`] from a microtask: publishes made in one turn of the page leave in one frame.
    deferred: Closure<dyn FnMut()>,
    deferred_queued: Cell<bool>,
}

impl Shared {
    pub(crate) fn new(core: Core) -> Rc<Shared> {
        Rc::new_cyclic(|weak: &Weak<Shared>| {
            let tick = {
                let weak = weak.clone();
                Closure::<dyn FnMut()>::new(move || {
                    if let Some(s) = weak.upgrade() {
                        s.timer.borrow_mut().take();
                        s.core.borrow_mut().handle_timeout(now());
                        pump(&s);
                    }
                })
            };
            let deferred = {
                let weak = weak.clone();
                Closure::<dyn FnMut()>::new(move || {
                    if let Some(s) = weak.upgrade() {
                        s.deferred_queued.set(false);
                        pump(&s);
                    }
                })
            };
            Shared {
                core: RefCell::new(core),
                sinks: RefCell::new(HashMap::new()),
                requests: RefCell::new(HashMap::new()),
                flushes: RefCell::new(HashMap::new()),
                listeners: RefCell::new(Vec::new()),
                connected: Signal::new(),
                closed: Signal::new(),
                socket: RefCell::new(None),
                generation: Cell::new(0),
                timer: RefCell::new(None),
                tick,
                pumping: Cell::new(false),
                deferred,
                deferred_queued: Cell::new(false),
            }
        })
    }
}

/// Moves everything the core has ready out to the socket and the page, then re-arms the timer.
pub(crate) fn pump(shared: &Rc<Shared>) {
    if shared.pumping.replace(true) {
        return;
    }
    loop {
        let (actions, transmit, events) = {
            let mut core = shared.core.borrow_mut();
            let actions: Vec<Action> = std::iter::from_fn(|| core.poll_action()).collect();
            let transmit = core.poll_transmit();
            let events: Vec<Event> = std::iter::from_fn(|| core.poll_event()).collect();
            (actions, transmit, events)
        };
        if actions.is_empty() && transmit.is_none() && events.is_empty() {
            break;
        }
        for action in actions {
            match action {
                Action::Open(url) => open_socket(shared, &url),
                Action::Close => drop(shared.socket.borrow_mut().take()),
            }
        }
        if let Some(bytes) = transmit {
            if let Some(socket) = shared.socket.borrow().as_ref() {
                // A failed send means the socket is closing; its close event reports that.
                let _ = socket.ws.send_with_u8_array(&bytes);
            }
        }
        for event in events {
            dispatch(shared, event);
        }
    }
    shared.pumping.set(false);
    rearm_timer(shared);
}

/// Bytes of queued output at which [`pump_soon`] sends at once instead of waiting for its microtask.
const SEND_AT_BYTES: usize = 64 * 1024;

/// Pumps once the current task ends (from a microtask), or at once when the queued output has
/// reached [`SEND_AT_BYTES`]: a loop of publishes becomes a few large frames instead of one frame
/// per message, without holding anything back past the end of the caller's turn.
pub(crate) fn pump_soon(shared: &Rc<Shared>) {
    if shared.core.borrow().pending_transmit() >= SEND_AT_BYTES {
        pump(shared);
    } else if !shared.deferred_queued.replace(true) {
        queue_microtask(shared.deferred.as_ref().unchecked_ref());
    }
}

fn rearm_timer(shared: &Rc<Shared>) {
    let next = shared.core.borrow().poll_timeout();
    let mut timer = shared.timer.borrow_mut();
    if timer.as_ref().map(|(_, at)| *at) == next {
        return;
    }
    if let Some((id, _)) = timer.take() {
        clear_timeout(&id);
    }
    if let Some(at) = next {
        let delay = at.saturating_sub(now()).min(i32::MAX as u64) as i32;
        let id = set_timeout(shared.tick.as_ref().unchecked_ref(), delay);
        *timer = Some((id, at));
    }
}

fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{err:?}"))
}

fn open_socket(shared: &Rc<Shared>, url: &str) {
    drop(shared.socket.borrow_mut().take());
    let generation = shared.generation.get() + 1;
    shared.generation.set(generation);
    let ws = match WebSocket::new(url) {
        Ok(ws) => ws,
        Err(e) => {
            shared.core.borrow_mut().handle_close(now(), &describe(&e));
            return;
        }
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let current = {
        let weak = Rc::downgrade(shared);
        move || weak.upgrade().filter(|s| s.generation.get() == generation)
    };
    let on_open = {
        let s = shared.clone();
        let current = current.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if current().is_some() {
                s.core.borrow_mut().handle_open(now());
                pump(&s);
            }
        })
    };
    let on_message = {
        let s = shared.clone();
        let current = current.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if current().is_none() {
                return;
            }
            let data = ev.data();
            let bytes = if let Some(buf) = data.dyn_ref::<ArrayBuffer>() {
                Uint8Array::new(buf).to_vec()
            } else if let Some(text) = data.as_string() {
                text.into_bytes()
            } else {
                return;
            };
            s.core.borrow_mut().handle_bytes(&bytes, now());
            pump(&s);
        })
    };
    let on_close = {
        let s = shared.clone();
        Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
            if current().is_none() {
                return;
            }
            drop(s.socket.borrow_mut().take());
            let reason = match ev.reason() {
                r if r.is_empty() => format!("socket closed (code {})", ev.code()),
                r => format!("socket closed (code {}: {r})", ev.code()),
            };
            s.core.borrow_mut().handle_close(now(), &reason);
            pump(&s);
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *shared.socket.borrow_mut() = Some(Socket { ws, _on_open: on_open, _on_message: on_message, _on_close: on_close });
}

fn notify(shared: &Rc<Shared>, event: ClientEvent) {
    let listeners: Vec<Listener> = shared.listeners.borrow().clone();
    for l in listeners {
        l(&event);
    }
}

/// Delivers queued messages to a callback sink, or wakes a parked iterator.
fn feed_sink(shared: &Rc<Shared>, sid: Sid) {
    enum Next {
        Call(Rc<dyn Fn(Message)>),
        Wake(Option<Waker>),
    }
    let next = match shared.sinks.borrow_mut().get_mut(&sid) {
        Some(Sink::Callback(cb)) => Next::Call(cb.clone()),
        Some(Sink::Waiter(w)) => Next::Wake(w.take()),
        None => return,
    };
    match next {
        Next::Call(cb) => {
            loop {
                let msg = shared.core.borrow_mut().take_message(sid);
                match msg {
                    Some(m) => cb(m),
                    None => break,
                }
            }
            if shared.core.borrow().is_finished(sid) {
                shared.sinks.borrow_mut().remove(&sid);
            }
        }
        Next::Wake(w) => {
            if let Some(w) = w {
                w.wake();
            }
        }
    }
}

fn dispatch(shared: &Rc<Shared>, event: Event) {
    match event {
        Event::Ready { sid } | Event::Ended { sid } => feed_sink(shared, sid),
        Event::RequestDone { id, result } => {
            let signal = shared.requests.borrow_mut().remove(&id);
            if let Some(s) = signal {
                s.set(result);
            }
        }
        Event::Flushed { id, result } => {
            let signal = shared.flushes.borrow_mut().remove(&id);
            if let Some(s) = signal {
                s.set(result);
            }
        }
        Event::Connected { server } => {
            shared.connected.set(Ok(()));
            notify(shared, ClientEvent::Connected { server });
        }
        Event::Disconnected { server, reason } => notify(shared, ClientEvent::Disconnected { server, reason }),
        Event::Reconnected { server } => notify(shared, ClientEvent::Reconnected { server }),
        Event::LameDuck => notify(shared, ClientEvent::LameDuck),
        Event::Error(e) => notify(shared, ClientEvent::Error(e)),
        Event::Closed { error } => {
            drop(shared.socket.borrow_mut().take());
            shared.connected.set(Err(error.clone().unwrap_or(ClientError::Closed)));
            shared.closed.set(error.clone());
            let sids: Vec<Sid> = shared.sinks.borrow().keys().copied().collect();
            for sid in sids {
                feed_sink(shared, sid);
            }
            notify(shared, ClientEvent::Closed { error });
        }
    }
}
