//! The console's shared state as two reducers: [`Session`] (settings, credentials, the NATS
//! connection's status, notices) and [`Monitor`] (the latest `/varz` and the overview's time series).
//!
//! Pages dispatch [`SessionAction`]s and [`MonitorAction`]s; the reducers are plain functions of the
//! old state and the action (tested natively), wrapped as Yew `Reducible`s. Long-lived handles (the
//! NATS client) live beside the state in the app context, not in it.

use std::rc::Rc;

use switchyard_shared::api::monitor::Varz;
use yew::Reducible;

use crate::series::Series;
use crate::settings::{Credentials, Settings};

/// Points kept for the overview charts (at the default 1 s refresh, five minutes).
pub const HISTORY_POINTS: usize = 300;
/// Notices shown at once; older ones drop off.
const MAX_NOTICES: usize = 5;

/// The NATS (WebSocket) connection as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnStatus {
    /// Waiting for `/varz` to learn the WebSocket port.
    #[default]
    Idle,
    /// The server has no WebSocket listener and no URL is configured.
    NoWebSocket,
    Connecting {
        url: String,
    },
    Connected {
        url: String,
        server: String,
    },
    Reconnecting {
        url: String,
        reason: String,
    },
    Failed {
        url: String,
        error: String,
    },
}

impl ConnStatus {
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnStatus::Connected { .. })
    }
}

/// Why the login form is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginReason {
    /// Monitoring answered 401.
    Monitoring(String),
    /// The NATS connection was refused for want of (valid) credentials.
    Nats(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// A dismissable message at the top of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub level: Level,
    pub text: String,
}

/// Settings, credentials, connection status and notices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Session {
    pub settings: Settings,
    pub credentials: Option<Credentials>,
    pub login: Option<LoginReason>,
    pub conn: ConnStatus,
    pub notices: Vec<Notice>,
    next_notice: u64,
    /// Bumped to make the app (re)connect with the current settings and credentials.
    pub connect_epoch: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionAction {
    /// New settings; a changed WebSocket URL reconnects.
    Settings(Settings),
    /// Credentials entered: hide the login form and reconnect.
    LogIn(Credentials),
    LogOut,
    NeedLogin(LoginReason),
    Conn(ConnStatus),
    Notify(Level, String),
    Dismiss(u64),
    Reconnect,
}

impl Session {
    pub fn new(settings: Settings, credentials: Option<Credentials>) -> Session {
        Session { settings, credentials, ..Default::default() }
    }

    pub fn apply(mut self, action: SessionAction) -> Session {
        match action {
            SessionAction::Settings(s) => {
                if s.ws_url != self.settings.ws_url {
                    self.connect_epoch += 1;
                }
                self.settings = s;
            }
            SessionAction::LogIn(c) => {
                self.credentials = Some(c);
                self.login = None;
                self.connect_epoch += 1;
            }
            SessionAction::LogOut => {
                self.credentials = None;
                self.connect_epoch += 1;
            }
            SessionAction::NeedLogin(reason) => self.login = Some(reason),
            SessionAction::Conn(status) => self.conn = status,
            SessionAction::Notify(level, text) => {
                // The same error arriving again (a poll failing every second) is shown once.
                if self.notices.iter().any(|n| n.text == text && n.level == level) {
                    return self;
                }
                self.next_notice += 1;
                self.notices.push(Notice { id: self.next_notice, level, text });
                if self.notices.len() > MAX_NOTICES {
                    self.notices.remove(0);
                }
            }
            SessionAction::Dismiss(id) => self.notices.retain(|n| n.id != id),
            SessionAction::Reconnect => self.connect_epoch += 1,
        }
        self
    }
}

impl Reducible for Session {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// The latest monitoring snapshot and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    pub varz: Option<Rc<Varz>>,
    pub series: Series,
    /// The last poll's error, cleared by the next success.
    pub error: Option<String>,
    /// Polls answered so far (the header's heartbeat).
    pub polls: u64,
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor { varz: None, series: Series::new(HISTORY_POINTS), error: None, polls: 0 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MonitorAction {
    Varz(Box<Varz>),
    Failed(String),
}

impl Monitor {
    pub fn apply(mut self, action: MonitorAction) -> Monitor {
        match action {
            MonitorAction::Varz(v) => {
                self.series.push(&v);
                self.varz = Some(Rc::new(*v));
                self.error = None;
                self.polls += 1;
            }
            MonitorAction::Failed(e) => self.error = Some(e),
        }
        self
    }
}

impl Reducible for Monitor {
    type Action = MonitorAction;

    fn reduce(self: Rc<Self>, action: MonitorAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_in_hides_the_form_and_reconnects() {
        let s = Session::default().apply(SessionAction::NeedLogin(LoginReason::Monitoring("401".into())));
        assert!(s.login.is_some());
        let epoch = s.connect_epoch;
        let s = s.apply(SessionAction::LogIn(Credentials::Token { token: "t".into() }));
        assert!(s.login.is_none());
        assert_eq!(s.connect_epoch, epoch + 1);
        let s = s.apply(SessionAction::LogOut);
        assert!(s.credentials.is_none());
    }

    #[test]
    fn only_a_changed_ws_url_reconnects() {
        let s = Session::default();
        let same = Settings { refresh_ms: 5000, ..s.settings.clone() };
        let s = s.apply(SessionAction::Settings(same));
        assert_eq!(s.connect_epoch, 0);
        let other = Settings { ws_url: "ws://x:1".into(), ..s.settings.clone() };
        assert_eq!(s.apply(SessionAction::Settings(other)).connect_epoch, 1);
    }

    #[test]
    fn notices_are_deduplicated_bounded_and_dismissable() {
        let mut s = Session::default();
        s = s.apply(SessionAction::Notify(Level::Error, "boom".into()));
        s = s.apply(SessionAction::Notify(Level::Error, "boom".into()));
        assert_eq!(s.notices.len(), 1);
        for i in 0..10 {
            s = s.apply(SessionAction::Notify(Level::Info, format!("n{i}")));
        }
        assert_eq!(s.notices.len(), MAX_NOTICES);
        assert_eq!(s.notices.last().unwrap().text, "n9");
        let id = s.notices[0].id;
        s = s.apply(SessionAction::Dismiss(id));
        assert!(s.notices.iter().all(|n| n.id != id));
    }

    #[test]
    fn monitor_keeps_the_latest_varz_and_clears_errors() {
        let m = Monitor::default().apply(MonitorAction::Failed("down".into()));
        assert_eq!(m.error.as_deref(), Some("down"));
        let m = m.apply(MonitorAction::Varz(Box::new(Varz { connections: 4, ..Default::default() })));
        assert_eq!(m.varz.as_ref().unwrap().connections, 4);
        assert!(m.error.is_none());
        assert_eq!(m.polls, 1);
    }
}
