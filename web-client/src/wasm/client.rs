//! The async Rust API: [`Client`] (a cheap-to-clone connection handle) and [`Subscriber`].
//!
//! Each call hands work to the core, pumps, and — for calls with an answer — awaits a signal that
//! the driver sets when the core reports the outcome. Publishes pump from a microtask (or once
//! 64 KiB are queued), so a burst of them leaves in a few frames; any other call sends them first. Futures are `!Send` and run on the page's
//! event loop (`wasm_bindgen_futures::spawn_local`). A connection stays up until [`Client::close`]
//! or [`Client::drain`], even when every handle is dropped.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use switchyard_shared::headers::HeaderMap;
use switchyard_shared::op::ServerInfo;

use super::driver::{now, pump, pump_soon, Shared, Sink};
use super::signal::Signal;
use crate::core::{ClientError, Core, Message, Options, Sid, State, Stats};

/// Connection settings; see [`crate::core::Options`].
pub type ConnectOptions = Options;

/// What a connection tells its listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    Connected { server: String },
    Disconnected { server: String, reason: String },
    Reconnected { server: String },
    LameDuck,
    Error(ClientError),
    Closed { error: Option<ClientError> },
}

/// A connection event listener.
pub type Listener = Rc<dyn Fn(&ClientEvent)>;

/// A NATS connection over a browser WebSocket.
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Rc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("state", &self.state()).finish()
    }
}

fn random_seed() -> u64 {
    let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (hi << 32 | lo) ^ now()
}

impl Client {
    /// Connects; resolves after the first server answered the handshake, or fails once every
    /// server was tried.
    pub async fn connect(options: ConnectOptions) -> Result<Client, ClientError> {
        Client::connect_with_listener(options, None).await
    }

    /// Like [`Client::connect`], with a listener registered before the first event.
    pub async fn connect_with_listener(
        mut options: ConnectOptions,
        listener: Option<Listener>,
    ) -> Result<Client, ClientError> {
        options.seed ^= random_seed();
        let shared = Shared::new(Core::new(options)?);
        if let Some(l) = listener {
            shared.listeners.borrow_mut().push(l);
        }
        shared.core.borrow_mut().start(now());
        pump(&shared);
        let connected = shared.connected.wait().await;
        connected.map(|()| Client { shared })
    }

    /// Calls `f` for every connection event from now on.
    pub fn on_event(&self, f: impl Fn(&ClientEvent) + 'static) {
        self.shared.listeners.borrow_mut().push(Rc::new(f));
    }

    pub fn state(&self) -> State {
        self.shared.core.borrow().state()
    }

    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared.core.borrow().server_info().cloned()
    }

    /// The URL of the server in use.
    pub fn server(&self) -> String {
        self.shared.core.borrow().current_server().to_string()
    }

    pub fn stats(&self) -> Stats {
        self.shared.core.borrow().stats()
    }

    pub fn new_inbox(&self) -> String {
        self.shared.core.borrow_mut().new_inbox()
    }

    fn run<T>(&self, f: impl FnOnce(&mut Core) -> T) -> T {
        let out = f(&mut self.shared.core.borrow_mut());
        pump(&self.shared);
        out
    }

    pub fn publish(&self, subject: &str, payload: &[u8]) -> Result<(), ClientError> {
        self.publish_with(subject, None, None, payload)
    }

    pub fn publish_with(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<(), ClientError> {
        let out = self.shared.core.borrow_mut().publish(subject, reply, headers, payload);
        pump_soon(&self.shared);
        out
    }

    /// Subscribes; read messages with [`Subscriber::next`].
    pub fn subscribe(&self, subject: &str, queue: Option<&str>) -> Result<Subscriber, ClientError> {
        let sid = self.run(|core| core.subscribe(subject, queue))?;
        self.shared.sinks.borrow_mut().insert(sid, Sink::Waiter(None));
        Ok(Subscriber { client: self.clone(), sid, detached: Cell::new(false) })
    }

    /// Subscribes with a callback that gets every message; [`Subscriber::next`] then yields nothing.
    pub fn subscribe_with_callback(
        &self,
        subject: &str,
        queue: Option<&str>,
        callback: impl Fn(Message) + 'static,
    ) -> Result<Subscriber, ClientError> {
        let sid = self.run(|core| core.subscribe(subject, queue))?;
        self.shared.sinks.borrow_mut().insert(sid, Sink::Callback(Rc::new(callback)));
        Ok(Subscriber { client: self.clone(), sid, detached: Cell::new(false) })
    }

    pub async fn request(&self, subject: &str, payload: &[u8], timeout_ms: u64) -> Result<Message, ClientError> {
        self.request_with(subject, None, payload, timeout_ms).await
    }

    /// Sends a request and waits for the first reply, [`ClientError::NoResponders`] or
    /// [`ClientError::Timeout`].
    pub async fn request_with(
        &self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        timeout_ms: u64,
    ) -> Result<Message, ClientError> {
        let signal = Signal::new();
        let id = self.shared.core.borrow_mut().request(subject, headers, payload, timeout_ms, now())?;
        self.shared.requests.borrow_mut().insert(id, signal.clone());
        pump(&self.shared);
        signal.wait().await
    }

    /// Resolves once the server has processed everything sent so far.
    pub async fn flush(&self) -> Result<(), ClientError> {
        let signal = Signal::new();
        let id = self.shared.core.borrow_mut().flush()?;
        self.shared.flushes.borrow_mut().insert(id, signal.clone());
        pump(&self.shared);
        signal.wait().await
    }

    /// Unsubscribes everything, lets the server confirm, then closes.
    pub async fn drain(&self) -> Result<(), ClientError> {
        self.run(|core| core.drain(now()));
        self.closed().await;
        Ok(())
    }

    /// Closes now. Publishes already made (still queued for their microtask) are sent first.
    pub fn close(&self) {
        pump(&self.shared);
        self.run(Core::close);
    }

    /// Resolves when the connection is closed for good, with the error that closed it, if any.
    pub async fn closed(&self) -> Option<ClientError> {
        self.shared.closed.wait().await
    }
}

/// A subscription. Dropping it unsubscribes, unless [`Subscriber::detach`] was called.
pub struct Subscriber {
    client: Client,
    sid: Sid,
    detached: Cell<bool>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber").field("sid", &self.sid).finish()
    }
}

impl Subscriber {
    pub fn sid(&self) -> Sid {
        self.sid
    }

    /// The next message; `None` once the subscription has ended and its queue is empty.
    pub fn next(&self) -> NextMessage<'_> {
        NextMessage { sub: self }
    }

    /// Unsubscribes now; queued messages are discarded.
    pub fn unsubscribe(&self) {
        let shared = &self.client.shared;
        if let Ok(mut core) = shared.core.try_borrow_mut() {
            core.unsubscribe(self.sid, None);
        }
        pump(shared);
    }

    /// Ends the subscription after `max` messages in total.
    pub fn unsubscribe_after(&self, max: u64) {
        self.client.run(|core| core.unsubscribe(self.sid, Some(max)));
    }

    /// Queued messages, queued bytes and messages dropped as a slow consumer.
    pub fn pending(&self) -> (usize, usize, u64) {
        self.client.shared.core.borrow().pending(self.sid).unwrap_or_default()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Keeps the subscription when this handle is dropped (a callback subscription that should
    /// live as long as the connection); it still ends on `unsubscribe`, max, drain or close.
    pub fn detach(&self) {
        self.detached.set(true);
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if !self.detached.get() {
            self.unsubscribe();
            self.client.shared.sinks.borrow_mut().remove(&self.sid);
        }
    }
}

/// Future of [`Subscriber::next`].
pub struct NextMessage<'a> {
    sub: &'a Subscriber,
}

impl std::fmt::Debug for NextMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextMessage").field("sid", &self.sub.sid).finish()
    }
}

impl Future for NextMessage<'_> {
    type Output = Option<Message>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let shared = &self.sub.client.shared;
        let sid = self.sub.sid;
        let (msg, finished) = {
            let mut core = shared.core.borrow_mut();
            let msg = core.take_message(sid);
            let finished = msg.is_none() && core.is_finished(sid);
            (msg, finished)
        };
        if msg.is_some() {
            return Poll::Ready(msg);
        }
        if finished {
            return Poll::Ready(None);
        }
        if let Some(Sink::Waiter(w)) = shared.sinks.borrow_mut().get_mut(&sid) {
            *w = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // A callback subscription: its messages never reach an iterator.
        Poll::Ready(None)
    }
}
