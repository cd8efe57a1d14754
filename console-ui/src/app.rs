//! The application shell: the context every page reads ([`Ctx`]), the `/varz` poller feeding the
//! monitor state, the NATS connection's lifecycle, the theme, hash routing, and the layout (sidebar,
//! top bar with server and connection status, notices, login, the page of the current [`Route`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use switchyard_shared::api::monitor::Varz;
use switchyard_web::wasm::ClientEvent;
use yew::prelude::*;

use crate::components::login::Login;
use crate::components::notices::Notices;
use crate::pages;
use crate::route::{Route, Section};
use crate::services::browser;
use crate::services::http::{self, HttpError};
use crate::services::nats::{self, NatsHandle};
use crate::settings::{is_auth_error, Credentials, Settings, Theme};
use crate::state::{ConnStatus, Level, LoginReason, Monitor, MonitorAction, Session, SessionAction};

/// Local-storage key of the settings.
pub const SETTINGS_KEY: &str = "switchyard.console.settings";
/// Session-storage key of the credentials.
pub const CREDENTIALS_KEY: &str = "switchyard.console.credentials";

/// What every page can reach.
#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub session: UseReducerHandle<Session>,
    pub monitor: UseReducerHandle<Monitor>,
    pub nats: Option<NatsHandle>,
    pub route: Route,
}

impl Ctx {
    pub fn credentials(&self) -> Option<Credentials> {
        self.session.credentials.clone()
    }

    pub fn notify(&self, text: impl Into<String>) {
        self.session.dispatch(SessionAction::Notify(Level::Info, text.into()));
    }

    pub fn notify_error(&self, text: impl Into<String>) {
        self.session.dispatch(SessionAction::Notify(Level::Error, text.into()));
    }

    pub fn navigate(&self, route: &Route) {
        browser::set_location_hash(&route.to_hash());
    }
}

#[hook]
pub fn use_ctx() -> Ctx {
    use_context::<Ctx>().expect("pages render inside the app context")
}

fn initial_session() -> Session {
    let settings = browser::local_get(SETTINGS_KEY).map(|s| Settings::from_json(&s)).unwrap_or_default();
    let credentials = browser::session_get(CREDENTIALS_KEY).and_then(|s| serde_json::from_str(&s).ok());
    Session::new(settings, credentials)
}

#[function_component]
pub fn App() -> Html {
    let session = use_reducer(initial_session);
    let monitor = use_reducer(Monitor::default);
    let route = use_state(|| Route::from_hash(&browser::location_hash()));
    let nats = use_state(|| Option::<NatsHandle>::None);
    let generation = use_mut_ref(|| 0u64);

    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let guard = browser::on_hash_change(move || route.set(Route::from_hash(&browser::location_hash())));
            move || drop(guard)
        });
    }

    use_effect_with(session.settings.theme, |theme: &Theme| browser::set_theme(theme.attribute()));

    // Poll /varz for the header and the overview's history.
    {
        let monitor = monitor.dispatcher();
        let session_d = session.dispatcher();
        let deps = (session.settings.refresh_ms, session.credentials.clone());
        use_effect_with(deps, move |(refresh, creds): &(u32, Option<Credentials>)| {
            let stop = Rc::new(Cell::new(false));
            let (refresh, creds, stop2) = (*refresh, creds.clone(), stop.clone());
            wasm_bindgen_futures::spawn_local(async move {
                while !stop2.get() {
                    match http::get_json::<Varz>("varz", creds.as_ref()).await {
                        Ok(v) if !stop2.get() => monitor.dispatch(MonitorAction::Varz(Box::new(v))),
                        Ok(_) => break,
                        Err(HttpError::Unauthorized(text)) => {
                            // Polling resumes when credentials are entered (they are this effect's input).
                            session_d.dispatch(SessionAction::NeedLogin(LoginReason::Monitoring(text.clone())));
                            monitor.dispatch(MonitorAction::Failed(HttpError::Unauthorized(text).to_string()));
                            break;
                        }
                        Err(e) => monitor.dispatch(MonitorAction::Failed(e.to_string())),
                    }
                    browser::sleep(refresh).await;
                }
            });
            move || stop.set(true)
        });
    }

    // (Re)connect NATS over WebSocket when the URL, the credentials or the epoch change.
    {
        let ws_url = session.settings.ws_url(monitor.varz.as_deref(), &browser::page_hostname());
        let known = monitor.varz.is_some() || !session.settings.ws_url.is_empty();
        let deps = (ws_url, known, session.credentials.clone(), session.connect_epoch);
        let session_d = session.dispatcher();
        let nats = nats.clone();
        let generation = generation.clone();
        use_effect_with(deps, move |(url, known, creds, _): &(Option<String>, bool, Option<Credentials>, u64)| {
            let slot: Rc<RefCell<Option<switchyard_web::wasm::Client>>> = Rc::default();
            let stop = Rc::new(Cell::new(false));
            nats.set(None);
            match (url.clone(), *known) {
                (_, false) => session_d.dispatch(SessionAction::Conn(ConnStatus::Idle)),
                (None, true) => session_d.dispatch(SessionAction::Conn(ConnStatus::NoWebSocket)),
                (Some(url), true) => {
                    let (creds, slot2, stop2) = (creds.clone(), slot.clone(), stop.clone());
                    session_d.dispatch(SessionAction::Conn(ConnStatus::Connecting { url: url.clone() }));
                    wasm_bindgen_futures::spawn_local(async move {
                        let (events, event_url, superseded) = (session_d.clone(), url.clone(), stop2.clone());
                        let result = nats::connect(&url, creds.as_ref(), move |e| {
                            // A connection replaced by a newer one no longer speaks for the console.
                            if !superseded.get() {
                                on_event(&events, &event_url, e);
                            }
                        })
                        .await;
                        if stop2.get() {
                            if let Ok(c) = result {
                                c.close();
                            }
                            return;
                        }
                        match result {
                            Ok(client) => {
                                let server = client.server_info().map(|i| i.server_name).unwrap_or_default();
                                *slot2.borrow_mut() = Some(client.clone());
                                let g = {
                                    let mut g = generation.borrow_mut();
                                    *g += 1;
                                    *g
                                };
                                nats.set(Some(NatsHandle { client, generation: g, url: url.as_str().into() }));
                                session_d.dispatch(SessionAction::Conn(ConnStatus::Connected { url, server }));
                            }
                            Err(e) => {
                                let text = e.to_string();
                                if is_auth_error(&text) {
                                    session_d.dispatch(SessionAction::NeedLogin(LoginReason::Nats(text.clone())));
                                }
                                session_d.dispatch(SessionAction::Conn(ConnStatus::Failed { url, error: text }));
                            }
                        }
                    });
                }
            }
            move || {
                stop.set(true);
                if let Some(c) = slot.borrow_mut().take() {
                    c.close();
                }
            }
        });
    }

    let ctx =
        Ctx { session: session.clone(), monitor: monitor.clone(), nats: (*nats).clone(), route: (*route).clone() };
    html! {
        <ContextProvider<Ctx> context={ctx}>
            <Layout />
        </ContextProvider<Ctx>>
    }
}

/// Connection events into the session: status changes and asynchronous errors as notices.
fn on_event(session: &UseReducerDispatcher<Session>, url: &str, e: &ClientEvent) {
    let url = url.to_owned();
    match e {
        ClientEvent::Disconnected { reason, .. } => {
            session.dispatch(SessionAction::Conn(ConnStatus::Reconnecting { url, reason: reason.clone() }))
        }
        ClientEvent::Reconnected { server } | ClientEvent::Connected { server } => {
            session.dispatch(SessionAction::Conn(ConnStatus::Connected { url, server: server.clone() }))
        }
        ClientEvent::Error(err) => session.dispatch(SessionAction::Notify(Level::Error, err.to_string())),
        ClientEvent::Closed { error } => {
            if let Some(err) = error {
                let text = err.to_string();
                if is_auth_error(&text) {
                    session.dispatch(SessionAction::NeedLogin(LoginReason::Nats(text.clone())));
                }
                session.dispatch(SessionAction::Conn(ConnStatus::Failed { url, error: text }));
            }
        }
        ClientEvent::LameDuck => {
            session.dispatch(SessionAction::Notify(Level::Info, "The server is entering lame-duck mode".into()))
        }
    }
}

#[function_component]
fn Layout() -> Html {
    let ctx = use_ctx();
    let section = ctx.route.section();
    html! {
        <div class="app">
            <nav class="sidebar" aria-label="Sections">
                <a class="brand" href="#/">{ "switchyard" }</a>
                { for Section::ALL.iter().map(|s| html! {
                    <a href={s.route().to_hash()} id={format!("nav-{}", nav_id(*s))}
                        class={classes!("nav", (*s == section).then_some("active"))}>{ s.title() }</a>
                }) }
                <ThemeToggle />
            </nav>
            <div class="main">
                <TopBar />
                <Notices />
                <Login />
                <main class="page">{ page(&ctx.route) }</main>
            </div>
        </div>
    }
}

fn nav_id(s: Section) -> &'static str {
    match s {
        Section::Overview => "overview",
        Section::Connections => "connections",
        Section::Streams => "streams",
        Section::Kv => "kv",
        Section::Objects => "objects",
        Section::Tester => "tester",
        Section::Mqtt => "mqtt",
        Section::Settings => "settings",
    }
}

fn page(route: &Route) -> Html {
    match route {
        Route::Overview => html! { <pages::overview::Overview /> },
        Route::Connections => html! { <pages::connections::Connections /> },
        Route::Streams => html! { <pages::streams::Streams /> },
        Route::StreamNew => html! { <pages::stream_form::StreamEditor name={None::<AttrValue>} /> },
        Route::Stream { name, tab } => {
            html! { <pages::stream::StreamPage name={AttrValue::from(name.clone())} tab={*tab} /> }
        }
        Route::KvBuckets => html! { <pages::kv::KvBuckets /> },
        Route::KvBucket { bucket } => html! { <pages::kv_bucket::KvBucket bucket={AttrValue::from(bucket.clone())} /> },
        Route::ObjectBuckets => html! { <pages::objects::ObjectBuckets /> },
        Route::ObjectBucket { bucket } => {
            html! { <pages::object_bucket::ObjectBucket bucket={AttrValue::from(bucket.clone())} /> }
        }
        Route::Tester => html! { <pages::tester::Tester /> },
        Route::Mqtt => html! { <pages::mqtt::Mqtt /> },
        Route::Settings => html! { <pages::settings::SettingsPage /> },
        Route::NotFound(hash) => html! {
            <div class="empty-state"><h2>{ "Not found" }</h2><p>{ format!("No page at {hash}.") }</p><a href="#/">{ "Overview" }</a></div>
        },
    }
}

#[function_component]
fn TopBar() -> Html {
    let ctx = use_ctx();
    let varz = ctx.monitor.varz.clone();
    let (monitor_class, monitor_text) = match (&ctx.monitor.error, &varz) {
        (Some(e), _) => ("pill bad", format!("monitoring: {e}")),
        (None, Some(_)) => ("pill good", "monitoring".to_owned()),
        (None, None) => ("pill", "monitoring…".to_owned()),
    };
    let (nats_class, nats_text) = match &ctx.session.conn {
        ConnStatus::Connected { url, .. } => ("pill good", format!("NATS {url}")),
        ConnStatus::Connecting { url } => ("pill", format!("connecting {url}")),
        ConnStatus::Reconnecting { url, .. } => ("pill warn", format!("reconnecting {url}")),
        ConnStatus::Failed { error, .. } => ("pill bad", format!("NATS: {error}")),
        ConnStatus::NoWebSocket => ("pill warn", "no WebSocket listener".to_owned()),
        ConnStatus::Idle => ("pill", "NATS…".to_owned()),
    };
    let logout = ctx.session.credentials.as_ref().map(|c| {
        let session = ctx.session.clone();
        let label = c.label();
        let onclick = Callback::from(move |_| {
            browser::session_remove(CREDENTIALS_KEY);
            session.dispatch(SessionAction::LogOut);
        });
        html! { <button class="btn small" id="logout" {onclick}>{ format!("Sign out {label}") }</button> }
    });
    html! {
        <header class="topbar">
            <div class="server" id="server-title">
                if let Some(v) = &varz {
                    <b>{ &v.name }</b>
                    <span class="muted">{ format!(" v{} · up {}", v.version, v.uptime) }</span>
                }
            </div>
            <div class="status">
                <span class={monitor_class} id="monitor-status" title={monitor_text.clone()}>{ monitor_text }</span>
                <span class={nats_class} id="nats-status" title={nats_text.clone()}>{ nats_text }</span>
                { for logout }
            </div>
        </header>
    }
}

#[function_component]
fn ThemeToggle() -> Html {
    let ctx = use_ctx();
    let current = ctx.session.settings.theme;
    let next = match current {
        Theme::System => Theme::Dark,
        Theme::Dark => Theme::Light,
        Theme::Light => Theme::System,
    };
    let onclick = {
        let session = ctx.session.clone();
        Callback::from(move |_| {
            let settings = Settings { theme: next, ..session.settings.clone() };
            browser::local_set(SETTINGS_KEY, &settings.to_json());
            session.dispatch(SessionAction::Settings(settings));
        })
    };
    html! {
        <button class="theme-toggle" id="theme-toggle" title="Switch theme" {onclick}>
            { format!("Theme: {}", current.title()) }
        </button>
    }
}
