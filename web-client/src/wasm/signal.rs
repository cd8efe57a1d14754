//! [`Signal`]: a value that is set once and awaited by any number of futures.
//!
//! Requests, flushes, the first connect and the close of a connection each complete exactly once;
//! the driver sets the value, every waiter gets a clone. Single-threaded (the page's event loop).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Debug)]
struct Inner<T> {
    value: Option<T>,
    wakers: Vec<Waker>,
}

/// A set-once cell; clones share it.
#[derive(Debug)]
pub(crate) struct Signal<T>(Rc<RefCell<Inner<T>>>);

impl<T> Clone for Signal<T> {
    fn clone(&self) -> Self {
        Signal(self.0.clone())
    }
}

impl<T: Clone> Signal<T> {
    pub(crate) fn new() -> Self {
        Signal(Rc::new(RefCell::new(Inner { value: None, wakers: Vec::new() })))
    }

    /// Sets the value (the first set wins) and wakes every waiter.
    pub(crate) fn set(&self, value: T) {
        let wakers = {
            let mut inner = self.0.borrow_mut();
            if inner.value.is_some() {
                return;
            }
            inner.value = Some(value);
            std::mem::take(&mut inner.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// A future resolving to (a clone of) the value.
    pub(crate) fn wait(&self) -> Wait<T> {
        Wait(self.clone())
    }
}

/// Future returned by [`Signal::wait`].
#[derive(Debug)]
pub(crate) struct Wait<T>(Signal<T>);

impl<T: Clone> Future for Wait<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.0 .0.borrow_mut();
        match &inner.value {
            Some(v) => Poll::Ready(v.clone()),
            None => {
                if !inner.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    inner.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}
