//! What monitoring reads from JetStream: the `/jsz` document, the `jetstream` block of `/varz`, and the
//! JetStream part of `/healthz`.
//!
//! Everything is computed from the streams' and consumers' own state on request; JetStream keeps no
//! separate counters for monitoring beyond the API totals.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use switchyard_shared::api::account::ApiStats;
use switchyard_shared::api::monitor::{
    AccountDetail, HealthzError, HealthzErrorType, JetStreamConfig, JetStreamStats, JetStreamVarz, JsInfo, StreamDetail,
};
use switchyard_shared::time::Timestamp;

use super::store::SyncPolicy;
use super::{JetStream, API_LEVEL};
use crate::monitor::jsz::{HealthCheck, HealthProblem, JetStreamMonitor, JszOptions};

/// The account all streams live in until JetStream is per account.
const GLOBAL_ACCOUNT: &str = "$G";

impl JetStream {
    fn monitor_config(&self) -> JetStreamConfig {
        let (sync_interval, sync_always) = match self.sync {
            SyncPolicy::Always => (0, true),
            SyncPolicy::Interval(d) => (d.as_nanos() as i64, false),
        };
        JetStreamConfig {
            max_memory: self.max_memory,
            max_store: self.max_store,
            store_dir: self.store_dir.display().to_string(),
            sync_interval,
            sync_always,
            domain: self.domain.clone().unwrap_or_default(),
            compress_ok: false,
            unique_tag: String::new(),
            strict: false,
        }
    }

    fn monitor_stats(&self) -> JetStreamStats {
        let (memory, store) = self.usage();
        let reserved = |mem: bool| -> u64 {
            self.streams().iter().filter(|s| s.is_memory() == mem).map(|s| s.config().max_bytes.max(0) as u64).sum()
        };
        JetStreamStats {
            memory,
            store,
            reserved_memory: reserved(true),
            reserved_store: reserved(false),
            accounts: 1,
            ha_assets: 0,
            api: ApiStats {
                level: API_LEVEL,
                total: self.api_total.load(Ordering::Relaxed),
                errors: self.api_errors.load(Ordering::Relaxed),
                inflight: 0,
            },
        }
    }
}

impl JetStreamMonitor for JetStream {
    fn jsz(&self, opts: &JszOptions) -> JsInfo {
        let streams = self.streams();
        let (mut messages, mut bytes, mut consumers) = (0, 0, 0);
        for s in &streams {
            let st = s.state(false);
            messages += st.msgs;
            bytes += st.bytes;
            consumers += s.consumer_count() as i64;
        }
        let wants_account = opts.account.is_empty() || opts.account == GLOBAL_ACCOUNT;
        let account_details = if (opts.accounts || opts.streams) && wants_account {
            let details = streams
                .iter()
                .skip(opts.offset as usize)
                .take(opts.limit.max(1) as usize)
                .map(|s| StreamDetail {
                    name: s.name.clone(),
                    created: Timestamp(s.created),
                    cluster: None,
                    config: opts.config.then(|| s.config()),
                    state: s.api_state(false, None),
                    consumers: if opts.consumers {
                        s.consumers().iter().map(|c| c.info()).collect()
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                })
                .collect::<Vec<_>>();
            vec![AccountDetail {
                name: GLOBAL_ACCOUNT.to_string(),
                id: GLOBAL_ACCOUNT.to_string(),
                stats: self.monitor_stats(),
                streams: if opts.streams { details } else { Vec::new() },
            }]
        } else {
            Vec::new()
        };
        JsInfo {
            stats: self.monitor_stats(),
            config: self.monitor_config(),
            limits: Some(self.limits.clone()),
            streams: streams.len() as i64,
            consumers,
            messages,
            bytes,
            account_details,
            total: 1,
            ..Default::default()
        }
    }

    fn varz(&self) -> JetStreamVarz {
        JetStreamVarz {
            config: Some(self.monitor_config()),
            stats: Some(self.monitor_stats()),
            meta: None,
            limits: Some(self.limits.clone()),
        }
    }

    fn health(&self, check: &HealthCheck) -> Vec<HealthProblem> {
        if check.meta_only {
            return Vec::new();
        }
        let mut problems = Vec::new();
        if !check.account.is_empty() && check.account != GLOBAL_ACCOUNT {
            problems.push(HealthProblem {
                status: 404,
                error: HealthzError {
                    kind: HealthzErrorType::Account,
                    account: check.account.clone(),
                    error: format!("JetStream account '{}' could not be resolved", check.account),
                    ..Default::default()
                },
            });
            return problems;
        }
        if !check.stream.is_empty() {
            match self.stream(&check.stream) {
                None => problems.push(HealthProblem {
                    status: 404,
                    error: HealthzError {
                        kind: HealthzErrorType::Stream,
                        account: GLOBAL_ACCOUNT.to_string(),
                        stream: check.stream.clone(),
                        error: format!("JetStream stream '{} > {}' could not be found", GLOBAL_ACCOUNT, check.stream),
                        ..Default::default()
                    },
                }),
                Some(s) if !check.consumer.is_empty() && s.consumer(&check.consumer).is_none() => {
                    problems.push(HealthProblem {
                        status: 404,
                        error: HealthzError {
                            kind: HealthzErrorType::Consumer,
                            account: GLOBAL_ACCOUNT.to_string(),
                            stream: check.stream.clone(),
                            consumer: check.consumer.clone(),
                            error: format!(
                                "JetStream consumer '{} > {} > {}' could not be found",
                                GLOBAL_ACCOUNT, check.stream, check.consumer
                            ),
                        },
                    })
                }
                Some(_) => {}
            }
        }
        problems
    }
}

/// Installs JetStream as the monitoring provider.
pub fn install(server: &crate::server::Server, js: &Arc<JetStream>) {
    let provider: Arc<dyn JetStreamMonitor> = js.clone();
    server.monitoring.set_jetstream(provider);
}
