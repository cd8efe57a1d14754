//! The JetStream API error catalogue: every entry of nats-server's `server/errors.json`, with the
//! same HTTP-like `code`, `err_code` and description text. Descriptions may hold placeholders such as
//! `{err}` or `{seq}`, filled by [`ErrorDef::fill`](super::ErrorDef::fill).
//!
//! Constant names drop the Go `JS` prefix and `Err`/`ErrF` suffix (`JSStreamNotFoundErr` →
//! `STREAM_NOT_FOUND`); each doc line keeps the Go name for cross-reference.

use super::ErrorDef;

/// 10002 `JSAccountResourcesExceededErr`.
pub const ACCOUNT_RESOURCES_EXCEEDED: ErrorDef = ErrorDef {
    name: "JSAccountResourcesExceededErr",
    code: 400,
    err_code: 10002,
    description: "resource limits exceeded for account",
};
/// 10003 `JSBadRequestErr`.
pub const BAD_REQUEST: ErrorDef =
    ErrorDef { name: "JSBadRequestErr", code: 400, err_code: 10003, description: "bad request" };
/// 10004 `JSClusterIncompleteErr`.
pub const CLUSTER_INCOMPLETE: ErrorDef =
    ErrorDef { name: "JSClusterIncompleteErr", code: 503, err_code: 10004, description: "incomplete results" };
/// 10005 `JSClusterNoPeersErrF`.
pub const CLUSTER_NO_PEERS: ErrorDef =
    ErrorDef { name: "JSClusterNoPeersErrF", code: 400, err_code: 10005, description: "{err}" };
/// 10006 `JSClusterNotActiveErr`.
pub const CLUSTER_NOT_ACTIVE: ErrorDef = ErrorDef {
    name: "JSClusterNotActiveErr",
    code: 500,
    err_code: 10006,
    description: "JetStream not in clustered mode",
};
/// 10007 `JSClusterNotAssignedErr`.
pub const CLUSTER_NOT_ASSIGNED: ErrorDef = ErrorDef {
    name: "JSClusterNotAssignedErr",
    code: 500,
    err_code: 10007,
    description: "JetStream cluster not assigned to this server",
};
/// 10008 `JSClusterNotAvailErr`.
pub const CLUSTER_NOT_AVAIL: ErrorDef = ErrorDef {
    name: "JSClusterNotAvailErr",
    code: 503,
    err_code: 10008,
    description: "JetStream system temporarily unavailable",
};
/// 10009 `JSClusterNotLeaderErr`.
pub const CLUSTER_NOT_LEADER: ErrorDef = ErrorDef {
    name: "JSClusterNotLeaderErr",
    code: 500,
    err_code: 10009,
    description: "JetStream cluster can not handle request",
};
/// 10010 `JSClusterRequiredErr`.
pub const CLUSTER_REQUIRED: ErrorDef = ErrorDef {
    name: "JSClusterRequiredErr",
    code: 503,
    err_code: 10010,
    description: "JetStream clustering support required",
};
/// 10011 `JSClusterTagsErr`.
pub const CLUSTER_TAGS: ErrorDef = ErrorDef {
    name: "JSClusterTagsErr",
    code: 400,
    err_code: 10011,
    description: "tags placement not supported for operation",
};
/// 10012 `JSConsumerCreateErrF`.
pub const CONSUMER_CREATE: ErrorDef =
    ErrorDef { name: "JSConsumerCreateErrF", code: 500, err_code: 10012, description: "{err}" };
/// 10013 `JSConsumerNameExistErr`.
pub const CONSUMER_NAME_EXIST: ErrorDef = ErrorDef {
    name: "JSConsumerNameExistErr",
    code: 400,
    err_code: 10013,
    description: "consumer name already in use",
};
/// 10014 `JSConsumerNotFoundErr`.
pub const CONSUMER_NOT_FOUND: ErrorDef =
    ErrorDef { name: "JSConsumerNotFoundErr", code: 404, err_code: 10014, description: "consumer not found" };
/// 10015 `JSSnapshotDeliverSubjectInvalidErr`.
pub const SNAPSHOT_DELIVER_SUBJECT_INVALID: ErrorDef = ErrorDef {
    name: "JSSnapshotDeliverSubjectInvalidErr",
    code: 400,
    err_code: 10015,
    description: "deliver subject not valid",
};
/// 10016 `JSConsumerDurableNameNotInSubjectErr`.
pub const CONSUMER_DURABLE_NAME_NOT_IN_SUBJECT: ErrorDef = ErrorDef {
    name: "JSConsumerDurableNameNotInSubjectErr",
    code: 400,
    err_code: 10016,
    description: "consumer expected to be durable but no durable name set in subject",
};
/// 10017 `JSConsumerDurableNameNotMatchSubjectErr`.
pub const CONSUMER_DURABLE_NAME_NOT_MATCH_SUBJECT: ErrorDef = ErrorDef {
    name: "JSConsumerDurableNameNotMatchSubjectErr",
    code: 400,
    err_code: 10017,
    description: "consumer name in subject does not match durable name in request",
};
/// 10018 `JSConsumerDurableNameNotSetErr`.
pub const CONSUMER_DURABLE_NAME_NOT_SET: ErrorDef = ErrorDef {
    name: "JSConsumerDurableNameNotSetErr",
    code: 400,
    err_code: 10018,
    description: "consumer expected to be durable but a durable name was not set",
};
/// 10019 `JSConsumerEphemeralWithDurableInSubjectErr`.
pub const CONSUMER_EPHEMERAL_WITH_DURABLE_IN_SUBJECT: ErrorDef = ErrorDef {
    name: "JSConsumerEphemeralWithDurableInSubjectErr",
    code: 400,
    err_code: 10019,
    description: "consumer expected to be ephemeral but detected a durable name set in subject",
};
/// 10020 `JSConsumerEphemeralWithDurableNameErr`.
pub const CONSUMER_EPHEMERAL_WITH_DURABLE_NAME: ErrorDef = ErrorDef {
    name: "JSConsumerEphemeralWithDurableNameErr",
    code: 400,
    err_code: 10020,
    description: "consumer expected to be ephemeral but a durable name was set in request",
};
/// 10021 `JSStreamExternalApiOverlapErrF`.
pub const STREAM_EXTERNAL_API_OVERLAP: ErrorDef = ErrorDef {
    name: "JSStreamExternalApiOverlapErrF",
    code: 400,
    err_code: 10021,
    description: "stream external api prefix {prefix} must not overlap with {subject}",
};
/// 10022 `JSStreamExternalDelPrefixOverlapsErrF`.
pub const STREAM_EXTERNAL_DEL_PREFIX_OVERLAPS: ErrorDef = ErrorDef {
    name: "JSStreamExternalDelPrefixOverlapsErrF",
    code: 400,
    err_code: 10022,
    description: "stream external delivery prefix {prefix} overlaps with stream subject {subject}",
};
/// 10023 `JSInsufficientResourcesErr`.
pub const INSUFFICIENT_RESOURCES: ErrorDef =
    ErrorDef { name: "JSInsufficientResourcesErr", code: 503, err_code: 10023, description: "insufficient resources" };
/// 10024 `JSStreamInvalidExternalDeliverySubjErrF`.
pub const STREAM_INVALID_EXTERNAL_DELIVERY_SUBJ: ErrorDef = ErrorDef {
    name: "JSStreamInvalidExternalDeliverySubjErrF",
    code: 400,
    err_code: 10024,
    description: "stream external delivery prefix {prefix} must not contain wildcards",
};
/// 10025 `JSInvalidJSONErr`.
pub const INVALID_JSON: ErrorDef =
    ErrorDef { name: "JSInvalidJSONErr", code: 400, err_code: 10025, description: "invalid JSON: {err}" };
/// 10026 `JSMaximumConsumersLimitErr`.
pub const MAXIMUM_CONSUMERS_LIMIT: ErrorDef = ErrorDef {
    name: "JSMaximumConsumersLimitErr",
    code: 400,
    err_code: 10026,
    description: "maximum consumers limit reached",
};
/// 10027 `JSMaximumStreamsLimitErr`.
pub const MAXIMUM_STREAMS_LIMIT: ErrorDef = ErrorDef {
    name: "JSMaximumStreamsLimitErr",
    code: 400,
    err_code: 10027,
    description: "maximum number of streams reached",
};
/// 10028 `JSMemoryResourcesExceededErr`.
pub const MEMORY_RESOURCES_EXCEEDED: ErrorDef = ErrorDef {
    name: "JSMemoryResourcesExceededErr",
    code: 500,
    err_code: 10028,
    description: "insufficient memory resources available",
};
/// 10029 `JSMirrorConsumerSetupFailedErrF`.
pub const MIRROR_CONSUMER_SETUP_FAILED: ErrorDef =
    ErrorDef { name: "JSMirrorConsumerSetupFailedErrF", code: 500, err_code: 10029, description: "{err}" };
/// 10030 `JSMirrorMaxMessageSizeTooBigErr`.
pub const MIRROR_MAX_MESSAGE_SIZE_TOO_BIG: ErrorDef = ErrorDef {
    name: "JSMirrorMaxMessageSizeTooBigErr",
    code: 400,
    err_code: 10030,
    description: "stream mirror must have max message size >= source",
};
/// 10031 `JSMirrorWithSourcesErr`.
pub const MIRROR_WITH_SOURCES: ErrorDef = ErrorDef {
    name: "JSMirrorWithSourcesErr",
    code: 400,
    err_code: 10031,
    description: "stream mirrors can not also contain other sources",
};
/// 10032 `JSMirrorWithStartSeqAndTimeErr`.
pub const MIRROR_WITH_START_SEQ_AND_TIME: ErrorDef = ErrorDef {
    name: "JSMirrorWithStartSeqAndTimeErr",
    code: 400,
    err_code: 10032,
    description: "stream mirrors can not have both start seq and start time configured",
};
/// 10033 `JSMirrorWithSubjectFiltersErr`.
pub const MIRROR_WITH_SUBJECT_FILTERS: ErrorDef = ErrorDef {
    name: "JSMirrorWithSubjectFiltersErr",
    code: 400,
    err_code: 10033,
    description: "stream mirrors can not contain filtered subjects",
};
/// 10034 `JSMirrorWithSubjectsErr`.
pub const MIRROR_WITH_SUBJECTS: ErrorDef = ErrorDef {
    name: "JSMirrorWithSubjectsErr",
    code: 400,
    err_code: 10034,
    description: "stream mirrors can not contain subjects",
};
/// 10035 `JSNoAccountErr`.
pub const NO_ACCOUNT: ErrorDef =
    ErrorDef { name: "JSNoAccountErr", code: 503, err_code: 10035, description: "account not found" };
/// 10036 `JSClusterUnSupportFeatureErr`.
pub const CLUSTER_UN_SUPPORT_FEATURE: ErrorDef = ErrorDef {
    name: "JSClusterUnSupportFeatureErr",
    code: 503,
    err_code: 10036,
    description: "not currently supported in clustered mode",
};
/// 10037 `JSNoMessageFoundErr`.
pub const NO_MESSAGE_FOUND: ErrorDef =
    ErrorDef { name: "JSNoMessageFoundErr", code: 404, err_code: 10037, description: "no message found" };
/// 10038 `JSNotEmptyRequestErr`.
pub const NOT_EMPTY_REQUEST: ErrorDef = ErrorDef {
    name: "JSNotEmptyRequestErr",
    code: 400,
    err_code: 10038,
    description: "expected an empty request payload",
};
/// 10039 `JSNotEnabledForAccountErr`.
pub const NOT_ENABLED_FOR_ACCOUNT: ErrorDef = ErrorDef {
    name: "JSNotEnabledForAccountErr",
    code: 503,
    err_code: 10039,
    description: "JetStream not enabled for account",
};
/// 10040 `JSClusterPeerNotMemberErr`.
pub const CLUSTER_PEER_NOT_MEMBER: ErrorDef =
    ErrorDef { name: "JSClusterPeerNotMemberErr", code: 400, err_code: 10040, description: "peer not a member" };
/// 10041 `JSRaftGeneralErrF`.
pub const RAFT_GENERAL: ErrorDef =
    ErrorDef { name: "JSRaftGeneralErrF", code: 500, err_code: 10041, description: "{err}" };
/// 10042 `JSRestoreSubscribeFailedErrF`.
pub const RESTORE_SUBSCRIBE_FAILED: ErrorDef = ErrorDef {
    name: "JSRestoreSubscribeFailedErrF",
    code: 500,
    err_code: 10042,
    description: "JetStream unable to subscribe to restore snapshot {subject}: {err}",
};
/// 10043 `JSSequenceNotFoundErrF`.
pub const SEQUENCE_NOT_FOUND: ErrorDef =
    ErrorDef { name: "JSSequenceNotFoundErrF", code: 400, err_code: 10043, description: "sequence {seq} not found" };
/// 10044 `JSClusterServerNotMemberErr`.
pub const CLUSTER_SERVER_NOT_MEMBER: ErrorDef = ErrorDef {
    name: "JSClusterServerNotMemberErr",
    code: 400,
    err_code: 10044,
    description: "server is not a member of the cluster",
};
/// 10045 `JSSourceConsumerSetupFailedErrF`.
pub const SOURCE_CONSUMER_SETUP_FAILED: ErrorDef =
    ErrorDef { name: "JSSourceConsumerSetupFailedErrF", code: 500, err_code: 10045, description: "{err}" };
/// 10046 `JSSourceMaxMessageSizeTooBigErr`.
pub const SOURCE_MAX_MESSAGE_SIZE_TOO_BIG: ErrorDef = ErrorDef {
    name: "JSSourceMaxMessageSizeTooBigErr",
    code: 400,
    err_code: 10046,
    description: "stream source must have max message size >= target",
};
/// 10047 `JSStorageResourcesExceededErr`.
pub const STORAGE_RESOURCES_EXCEEDED: ErrorDef = ErrorDef {
    name: "JSStorageResourcesExceededErr",
    code: 500,
    err_code: 10047,
    description: "insufficient storage resources available",
};
/// 10048 `JSStreamAssignmentErrF`.
pub const STREAM_ASSIGNMENT: ErrorDef =
    ErrorDef { name: "JSStreamAssignmentErrF", code: 500, err_code: 10048, description: "{err}" };
/// 10049 `JSStreamCreateErrF`.
pub const STREAM_CREATE: ErrorDef =
    ErrorDef { name: "JSStreamCreateErrF", code: 500, err_code: 10049, description: "{err}" };
/// 10050 `JSStreamDeleteErrF`.
pub const STREAM_DELETE: ErrorDef =
    ErrorDef { name: "JSStreamDeleteErrF", code: 500, err_code: 10050, description: "{err}" };
/// 10051 `JSStreamGeneralErrorF`.
pub const STREAM_GENERAL: ErrorDef =
    ErrorDef { name: "JSStreamGeneralErrorF", code: 500, err_code: 10051, description: "{err}" };
/// 10052 `JSStreamInvalidConfigF`.
pub const STREAM_INVALID_CONFIG: ErrorDef =
    ErrorDef { name: "JSStreamInvalidConfigF", code: 500, err_code: 10052, description: "{err}" };
/// 10053 `JSStreamLimitsErrF`.
pub const STREAM_LIMITS: ErrorDef =
    ErrorDef { name: "JSStreamLimitsErrF", code: 500, err_code: 10053, description: "{err}" };
/// 10054 `JSStreamMessageExceedsMaximumErr`.
pub const STREAM_MESSAGE_EXCEEDS_MAXIMUM: ErrorDef = ErrorDef {
    name: "JSStreamMessageExceedsMaximumErr",
    code: 400,
    err_code: 10054,
    description: "message size exceeds maximum allowed",
};
/// 10055 `JSStreamMirrorNotUpdatableErr`.
pub const STREAM_MIRROR_NOT_UPDATABLE: ErrorDef = ErrorDef {
    name: "JSStreamMirrorNotUpdatableErr",
    code: 400,
    err_code: 10055,
    description: "stream mirror configuration can not be updated",
};
/// 10056 `JSStreamMismatchErr`.
pub const STREAM_MISMATCH: ErrorDef = ErrorDef {
    name: "JSStreamMismatchErr",
    code: 400,
    err_code: 10056,
    description: "stream name in subject does not match request",
};
/// 10057 `JSStreamMsgDeleteFailedF`.
pub const STREAM_MSG_DELETE_FAILED: ErrorDef =
    ErrorDef { name: "JSStreamMsgDeleteFailedF", code: 500, err_code: 10057, description: "{err}" };
/// 10058 `JSStreamNameExistErr`.
pub const STREAM_NAME_EXIST: ErrorDef = ErrorDef {
    name: "JSStreamNameExistErr",
    code: 400,
    err_code: 10058,
    description: "stream name already in use with a different configuration",
};
/// 10059 `JSStreamNotFoundErr`.
pub const STREAM_NOT_FOUND: ErrorDef =
    ErrorDef { name: "JSStreamNotFoundErr", code: 404, err_code: 10059, description: "stream not found" };
/// 10060 `JSStreamNotMatchErr`.
pub const STREAM_NOT_MATCH: ErrorDef =
    ErrorDef { name: "JSStreamNotMatchErr", code: 400, err_code: 10060, description: "expected stream does not match" };
/// 10061 `JSStreamReplicasNotUpdatableErr`.
pub const STREAM_REPLICAS_NOT_UPDATABLE: ErrorDef = ErrorDef {
    name: "JSStreamReplicasNotUpdatableErr",
    code: 400,
    err_code: 10061,
    description: "Replicas configuration can not be updated",
};
/// 10062 `JSStreamRestoreErrF`.
pub const STREAM_RESTORE: ErrorDef =
    ErrorDef { name: "JSStreamRestoreErrF", code: 500, err_code: 10062, description: "restore failed: {err}" };
/// 10063 `JSStreamSequenceNotMatchErr`.
pub const STREAM_SEQUENCE_NOT_MATCH: ErrorDef = ErrorDef {
    name: "JSStreamSequenceNotMatchErr",
    code: 503,
    err_code: 10063,
    description: "expected stream sequence does not match",
};
/// 10064 `JSStreamSnapshotErrF`.
pub const STREAM_SNAPSHOT: ErrorDef =
    ErrorDef { name: "JSStreamSnapshotErrF", code: 500, err_code: 10064, description: "snapshot failed: {err}" };
/// 10065 `JSStreamSubjectOverlapErr`.
pub const STREAM_SUBJECT_OVERLAP: ErrorDef = ErrorDef {
    name: "JSStreamSubjectOverlapErr",
    code: 400,
    err_code: 10065,
    description: "subjects overlap with an existing stream",
};
/// 10066 `JSStreamTemplateCreateErrF`.
pub const STREAM_TEMPLATE_CREATE: ErrorDef =
    ErrorDef { name: "JSStreamTemplateCreateErrF", code: 500, err_code: 10066, description: "{err}" };
/// 10067 `JSStreamTemplateDeleteErrF`.
pub const STREAM_TEMPLATE_DELETE: ErrorDef =
    ErrorDef { name: "JSStreamTemplateDeleteErrF", code: 500, err_code: 10067, description: "{err}" };
/// 10068 `JSStreamTemplateNotFoundErr`.
pub const STREAM_TEMPLATE_NOT_FOUND: ErrorDef =
    ErrorDef { name: "JSStreamTemplateNotFoundErr", code: 404, err_code: 10068, description: "template not found" };
/// 10069 `JSStreamUpdateErrF`.
pub const STREAM_UPDATE: ErrorDef =
    ErrorDef { name: "JSStreamUpdateErrF", code: 500, err_code: 10069, description: "{err}" };
/// 10070 `JSStreamWrongLastMsgIDErrF`.
pub const STREAM_WRONG_LAST_MSG_ID: ErrorDef =
    ErrorDef { name: "JSStreamWrongLastMsgIDErrF", code: 400, err_code: 10070, description: "wrong last msg ID: {id}" };
/// 10071 `JSStreamWrongLastSequenceErrF`.
pub const STREAM_WRONG_LAST_SEQUENCE: ErrorDef = ErrorDef {
    name: "JSStreamWrongLastSequenceErrF",
    code: 400,
    err_code: 10071,
    description: "wrong last sequence: {seq}",
};
/// 10072 `JSTempStorageFailedErr`.
pub const TEMP_STORAGE_FAILED: ErrorDef = ErrorDef {
    name: "JSTempStorageFailedErr",
    code: 500,
    err_code: 10072,
    description: "JetStream unable to open temp storage for restore",
};
/// 10073 `JSTemplateNameNotMatchSubjectErr`.
pub const TEMPLATE_NAME_NOT_MATCH_SUBJECT: ErrorDef = ErrorDef {
    name: "JSTemplateNameNotMatchSubjectErr",
    code: 400,
    err_code: 10073,
    description: "template name in subject does not match request",
};
/// 10074 `JSStreamReplicasNotSupportedErr`.
pub const STREAM_REPLICAS_NOT_SUPPORTED: ErrorDef = ErrorDef {
    name: "JSStreamReplicasNotSupportedErr",
    code: 500,
    err_code: 10074,
    description: "replicas > 1 not supported in non-clustered mode",
};
/// 10075 `JSPeerRemapErr`.
pub const PEER_REMAP: ErrorDef =
    ErrorDef { name: "JSPeerRemapErr", code: 503, err_code: 10075, description: "peer remap failed" };
/// 10076 `JSNotEnabledErr`.
pub const NOT_ENABLED: ErrorDef =
    ErrorDef { name: "JSNotEnabledErr", code: 503, err_code: 10076, description: "JetStream not enabled" };
/// 10077 `JSStreamStoreFailedF`.
pub const STREAM_STORE_FAILED: ErrorDef =
    ErrorDef { name: "JSStreamStoreFailedF", code: 503, err_code: 10077, description: "{err}" };
/// 10078 `JSConsumerConfigRequiredErr`.
pub const CONSUMER_CONFIG_REQUIRED: ErrorDef = ErrorDef {
    name: "JSConsumerConfigRequiredErr",
    code: 400,
    err_code: 10078,
    description: "consumer config required",
};
/// 10079 `JSConsumerDeliverToWildcardsErr`.
pub const CONSUMER_DELIVER_TO_WILDCARDS: ErrorDef = ErrorDef {
    name: "JSConsumerDeliverToWildcardsErr",
    code: 400,
    err_code: 10079,
    description: "consumer deliver subject has wildcards",
};
/// 10080 `JSConsumerPushMaxWaitingErr`.
pub const CONSUMER_PUSH_MAX_WAITING: ErrorDef = ErrorDef {
    name: "JSConsumerPushMaxWaitingErr",
    code: 400,
    err_code: 10080,
    description: "consumer in push mode can not set max waiting",
};
/// 10081 `JSConsumerDeliverCycleErr`.
pub const CONSUMER_DELIVER_CYCLE: ErrorDef = ErrorDef {
    name: "JSConsumerDeliverCycleErr",
    code: 400,
    err_code: 10081,
    description: "consumer deliver subject forms a cycle",
};
/// 10082 `JSConsumerMaxPendingAckPolicyRequiredErr`.
pub const CONSUMER_MAX_PENDING_ACK_POLICY_REQUIRED: ErrorDef = ErrorDef {
    name: "JSConsumerMaxPendingAckPolicyRequiredErr",
    code: 400,
    err_code: 10082,
    description: "consumer requires ack policy for max ack pending",
};
/// 10083 `JSConsumerSmallHeartbeatErr`.
pub const CONSUMER_SMALL_HEARTBEAT: ErrorDef = ErrorDef {
    name: "JSConsumerSmallHeartbeatErr",
    code: 400,
    err_code: 10083,
    description: "consumer idle heartbeat needs to be >= 100ms",
};
/// 10084 `JSConsumerPullRequiresAckErr`.
pub const CONSUMER_PULL_REQUIRES_ACK: ErrorDef = ErrorDef {
    name: "JSConsumerPullRequiresAckErr",
    code: 400,
    err_code: 10084,
    description: "consumer in pull mode requires explicit ack policy on workqueue stream",
};
/// 10085 `JSConsumerPullNotDurableErr`.
pub const CONSUMER_PULL_NOT_DURABLE: ErrorDef = ErrorDef {
    name: "JSConsumerPullNotDurableErr",
    code: 400,
    err_code: 10085,
    description: "consumer in pull mode requires a durable name",
};
/// 10086 `JSConsumerPullWithRateLimitErr`.
pub const CONSUMER_PULL_WITH_RATE_LIMIT: ErrorDef = ErrorDef {
    name: "JSConsumerPullWithRateLimitErr",
    code: 400,
    err_code: 10086,
    description: "consumer in pull mode can not have rate limit set",
};
/// 10087 `JSConsumerMaxWaitingNegativeErr`.
pub const CONSUMER_MAX_WAITING_NEGATIVE: ErrorDef = ErrorDef {
    name: "JSConsumerMaxWaitingNegativeErr",
    code: 400,
    err_code: 10087,
    description: "consumer max waiting needs to be positive",
};
/// 10088 `JSConsumerHBRequiresPushErr`.
pub const CONSUMER_HB_REQUIRES_PUSH: ErrorDef = ErrorDef {
    name: "JSConsumerHBRequiresPushErr",
    code: 400,
    err_code: 10088,
    description: "consumer idle heartbeat requires a push based consumer",
};
/// 10089 `JSConsumerFCRequiresPushErr`.
pub const CONSUMER_FC_REQUIRES_PUSH: ErrorDef = ErrorDef {
    name: "JSConsumerFCRequiresPushErr",
    code: 400,
    err_code: 10089,
    description: "consumer flow control requires a push based consumer",
};
/// 10090 `JSConsumerDirectRequiresPushErr`.
pub const CONSUMER_DIRECT_REQUIRES_PUSH: ErrorDef = ErrorDef {
    name: "JSConsumerDirectRequiresPushErr",
    code: 400,
    err_code: 10090,
    description: "consumer direct requires a push based consumer",
};
/// 10091 `JSConsumerDirectRequiresEphemeralErr`.
pub const CONSUMER_DIRECT_REQUIRES_EPHEMERAL: ErrorDef = ErrorDef {
    name: "JSConsumerDirectRequiresEphemeralErr",
    code: 400,
    err_code: 10091,
    description: "consumer direct requires an ephemeral consumer",
};
/// 10092 `JSConsumerOnMappedErr`.
pub const CONSUMER_ON_MAPPED: ErrorDef = ErrorDef {
    name: "JSConsumerOnMappedErr",
    code: 400,
    err_code: 10092,
    description: "consumer direct on a mapped consumer",
};
/// 10093 `JSConsumerFilterNotSubsetErr`.
pub const CONSUMER_FILTER_NOT_SUBSET: ErrorDef = ErrorDef {
    name: "JSConsumerFilterNotSubsetErr",
    code: 400,
    err_code: 10093,
    description: "consumer filter subject is not a valid subset of the interest subjects",
};
/// 10094 `JSConsumerInvalidPolicyErrF`.
pub const CONSUMER_INVALID_POLICY: ErrorDef =
    ErrorDef { name: "JSConsumerInvalidPolicyErrF", code: 400, err_code: 10094, description: "{err}" };
/// 10095 `JSConsumerInvalidSamplingErrF`.
pub const CONSUMER_INVALID_SAMPLING: ErrorDef = ErrorDef {
    name: "JSConsumerInvalidSamplingErrF",
    code: 400,
    err_code: 10095,
    description: "failed to parse consumer sampling configuration: {err}",
};
/// 10096 `JSStreamInvalidErr`.
pub const STREAM_INVALID: ErrorDef =
    ErrorDef { name: "JSStreamInvalidErr", code: 500, err_code: 10096, description: "stream not valid" };
/// 10097 `JSStreamHeaderExceedsMaximumErr`.
pub const STREAM_HEADER_EXCEEDS_MAXIMUM: ErrorDef = ErrorDef {
    name: "JSStreamHeaderExceedsMaximumErr",
    code: 400,
    err_code: 10097,
    description: "header size exceeds maximum allowed of 64k",
};
/// 10098 `JSConsumerWQRequiresExplicitAckErr`.
pub const CONSUMER_WQ_REQUIRES_EXPLICIT_ACK: ErrorDef = ErrorDef {
    name: "JSConsumerWQRequiresExplicitAckErr",
    code: 400,
    err_code: 10098,
    description: "workqueue stream requires explicit ack",
};
/// 10099 `JSConsumerWQMultipleUnfilteredErr`.
pub const CONSUMER_WQ_MULTIPLE_UNFILTERED: ErrorDef = ErrorDef {
    name: "JSConsumerWQMultipleUnfilteredErr",
    code: 400,
    err_code: 10099,
    description: "multiple non-filtered consumers not allowed on workqueue stream",
};
/// 10100 `JSConsumerWQConsumerNotUniqueErr`.
pub const CONSUMER_WQ_CONSUMER_NOT_UNIQUE: ErrorDef = ErrorDef {
    name: "JSConsumerWQConsumerNotUniqueErr",
    code: 400,
    err_code: 10100,
    description: "filtered consumer not unique on workqueue stream",
};
/// 10101 `JSConsumerWQConsumerNotDeliverAllErr`.
pub const CONSUMER_WQ_CONSUMER_NOT_DELIVER_ALL: ErrorDef = ErrorDef {
    name: "JSConsumerWQConsumerNotDeliverAllErr",
    code: 400,
    err_code: 10101,
    description: "consumer must be deliver all on workqueue stream",
};
/// 10102 `JSConsumerNameTooLongErrF`.
pub const CONSUMER_NAME_TOO_LONG: ErrorDef = ErrorDef {
    name: "JSConsumerNameTooLongErrF",
    code: 400,
    err_code: 10102,
    description: "consumer name is too long, maximum allowed is {max}",
};
/// 10103 `JSConsumerBadDurableNameErr`.
pub const CONSUMER_BAD_DURABLE_NAME: ErrorDef = ErrorDef {
    name: "JSConsumerBadDurableNameErr",
    code: 400,
    err_code: 10103,
    description: "durable name can not contain '.', '*', '>'",
};
/// 10104 `JSConsumerStoreFailedErrF`.
pub const CONSUMER_STORE_FAILED: ErrorDef = ErrorDef {
    name: "JSConsumerStoreFailedErrF",
    code: 500,
    err_code: 10104,
    description: "error creating store for consumer: {err}",
};
/// 10105 `JSConsumerExistingActiveErr`.
pub const CONSUMER_EXISTING_ACTIVE: ErrorDef = ErrorDef {
    name: "JSConsumerExistingActiveErr",
    code: 400,
    err_code: 10105,
    description: "consumer already exists and is still active",
};
/// 10106 `JSConsumerReplacementWithDifferentNameErr`.
pub const CONSUMER_REPLACEMENT_WITH_DIFFERENT_NAME: ErrorDef = ErrorDef {
    name: "JSConsumerReplacementWithDifferentNameErr",
    code: 400,
    err_code: 10106,
    description: "consumer replacement durable config not the same",
};
/// 10107 `JSConsumerDescriptionTooLongErrF`.
pub const CONSUMER_DESCRIPTION_TOO_LONG: ErrorDef = ErrorDef {
    name: "JSConsumerDescriptionTooLongErrF",
    code: 400,
    err_code: 10107,
    description: "consumer description is too long, maximum allowed is {max}",
};
/// 10108 `JSConsumerWithFlowControlNeedsHeartbeats`.
pub const CONSUMER_WITH_FLOW_CONTROL_NEEDS_HEARTBEATS: ErrorDef = ErrorDef {
    name: "JSConsumerWithFlowControlNeedsHeartbeats",
    code: 400,
    err_code: 10108,
    description: "consumer with flow control also needs heartbeats",
};
/// 10109 `JSStreamSealedErr`.
pub const STREAM_SEALED: ErrorDef = ErrorDef {
    name: "JSStreamSealedErr",
    code: 400,
    err_code: 10109,
    description: "invalid operation on sealed stream",
};
/// 10110 `JSStreamPurgeFailedF`.
pub const STREAM_PURGE_FAILED: ErrorDef =
    ErrorDef { name: "JSStreamPurgeFailedF", code: 500, err_code: 10110, description: "{err}" };
/// 10111 `JSStreamRollupFailedF`.
pub const STREAM_ROLLUP_FAILED: ErrorDef =
    ErrorDef { name: "JSStreamRollupFailedF", code: 500, err_code: 10111, description: "{err}" };
/// 10112 `JSConsumerInvalidDeliverSubject`.
pub const CONSUMER_INVALID_DELIVER_SUBJECT: ErrorDef = ErrorDef {
    name: "JSConsumerInvalidDeliverSubject",
    code: 400,
    err_code: 10112,
    description: "invalid push consumer deliver subject",
};
/// 10113 `JSStreamMaxBytesRequired`.
pub const STREAM_MAX_BYTES_REQUIRED: ErrorDef = ErrorDef {
    name: "JSStreamMaxBytesRequired",
    code: 400,
    err_code: 10113,
    description: "account requires a stream config to have max bytes set",
};
/// 10114 `JSConsumerMaxRequestBatchNegativeErr`.
pub const CONSUMER_MAX_REQUEST_BATCH_NEGATIVE: ErrorDef = ErrorDef {
    name: "JSConsumerMaxRequestBatchNegativeErr",
    code: 400,
    err_code: 10114,
    description: "consumer max request batch needs to be > 0",
};
/// 10115 `JSConsumerMaxRequestExpiresTooSmall`.
pub const CONSUMER_MAX_REQUEST_EXPIRES_TOO_SMALL: ErrorDef = ErrorDef {
    name: "JSConsumerMaxRequestExpiresTooSmall",
    code: 400,
    err_code: 10115,
    description: "consumer max request expires needs to be >= 1ms",
};
/// 10116 `JSConsumerMaxDeliverBackoffErr`.
pub const CONSUMER_MAX_DELIVER_BACKOFF: ErrorDef = ErrorDef {
    name: "JSConsumerMaxDeliverBackoffErr",
    code: 400,
    err_code: 10116,
    description: "max deliver is required to be > length of backoff values",
};
/// 10117 `JSStreamInfoMaxSubjectsErr`.
pub const STREAM_INFO_MAX_SUBJECTS: ErrorDef = ErrorDef {
    name: "JSStreamInfoMaxSubjectsErr",
    code: 500,
    err_code: 10117,
    description: "subject details would exceed maximum allowed",
};
/// 10118 `JSStreamOfflineErr`.
pub const STREAM_OFFLINE: ErrorDef =
    ErrorDef { name: "JSStreamOfflineErr", code: 500, err_code: 10118, description: "stream is offline" };
/// 10119 `JSConsumerOfflineErr`.
pub const CONSUMER_OFFLINE: ErrorDef =
    ErrorDef { name: "JSConsumerOfflineErr", code: 500, err_code: 10119, description: "consumer is offline" };
/// 10120 `JSNoLimitsErr`.
pub const NO_LIMITS: ErrorDef = ErrorDef {
    name: "JSNoLimitsErr",
    code: 400,
    err_code: 10120,
    description: "no JetStream default or applicable tiered limit present",
};
/// 10121 `JSConsumerMaxPendingAckExcessErrF`.
pub const CONSUMER_MAX_PENDING_ACK_EXCESS: ErrorDef = ErrorDef {
    name: "JSConsumerMaxPendingAckExcessErrF",
    code: 400,
    err_code: 10121,
    description: "consumer max ack pending exceeds system limit of {limit}",
};
/// 10122 `JSStreamMaxStreamBytesExceeded`.
pub const STREAM_MAX_STREAM_BYTES_EXCEEDED: ErrorDef = ErrorDef {
    name: "JSStreamMaxStreamBytesExceeded",
    code: 400,
    err_code: 10122,
    description: "stream max bytes exceeds account limit max stream bytes",
};
/// 10123 `JSStreamMoveAndScaleErr`.
pub const STREAM_MOVE_AND_SCALE: ErrorDef = ErrorDef {
    name: "JSStreamMoveAndScaleErr",
    code: 400,
    err_code: 10123,
    description: "can not move and scale a stream in a single update",
};
/// 10124 `JSStreamMoveInProgressErr`.
pub const STREAM_MOVE_IN_PROGRESS: ErrorDef = ErrorDef {
    name: "JSStreamMoveInProgressErr",
    code: 400,
    err_code: 10124,
    description: "stream move already in progress",
};
/// 10125 `JSConsumerMaxRequestBatchExceededF`.
pub const CONSUMER_MAX_REQUEST_BATCH_EXCEEDED: ErrorDef = ErrorDef {
    name: "JSConsumerMaxRequestBatchExceededF",
    code: 400,
    err_code: 10125,
    description: "consumer max request batch exceeds server limit of {limit}",
};
/// 10126 `JSConsumerReplicasExceedsStream`.
pub const CONSUMER_REPLICAS_EXCEEDS_STREAM: ErrorDef = ErrorDef {
    name: "JSConsumerReplicasExceedsStream",
    code: 400,
    err_code: 10126,
    description: "consumer config replica count exceeds parent stream",
};
/// 10127 `JSConsumerNameContainsPathSeparatorsErr`.
pub const CONSUMER_NAME_CONTAINS_PATH_SEPARATORS: ErrorDef = ErrorDef {
    name: "JSConsumerNameContainsPathSeparatorsErr",
    code: 400,
    err_code: 10127,
    description: "Consumer name can not contain path separators",
};
/// 10128 `JSStreamNameContainsPathSeparatorsErr`.
pub const STREAM_NAME_CONTAINS_PATH_SEPARATORS: ErrorDef = ErrorDef {
    name: "JSStreamNameContainsPathSeparatorsErr",
    code: 400,
    err_code: 10128,
    description: "Stream name can not contain path separators",
};
/// 10129 `JSStreamReconfigureNotInProgressErr`.
pub const STREAM_RECONFIGURE_NOT_IN_PROGRESS: ErrorDef = ErrorDef {
    name: "JSStreamReconfigureNotInProgressErr",
    code: 400,
    err_code: 10129,
    description: "stream reconfiguration not in progress",
};
/// 10130 `JSStreamNameExistRestoreFailedErr`.
pub const STREAM_NAME_EXIST_RESTORE_FAILED: ErrorDef = ErrorDef {
    name: "JSStreamNameExistRestoreFailedErr",
    code: 400,
    err_code: 10130,
    description: "stream name already in use, cannot restore",
};
/// 10131 `JSConsumerCreateFilterSubjectMismatchErr`.
pub const CONSUMER_CREATE_FILTER_SUBJECT_MISMATCH: ErrorDef = ErrorDef {
    name: "JSConsumerCreateFilterSubjectMismatchErr",
    code: 400,
    err_code: 10131,
    description: "Consumer create request did not match filtered subject from create subject",
};
/// 10132 `JSConsumerCreateDurableAndNameMismatch`.
pub const CONSUMER_CREATE_DURABLE_AND_NAME_MISMATCH: ErrorDef = ErrorDef {
    name: "JSConsumerCreateDurableAndNameMismatch",
    code: 400,
    err_code: 10132,
    description: "Consumer Durable and Name have to be equal if both are provided",
};
/// 10133 `JSReplicasCountCannotBeNegative`.
pub const REPLICAS_COUNT_CANNOT_BE_NEGATIVE: ErrorDef = ErrorDef {
    name: "JSReplicasCountCannotBeNegative",
    code: 400,
    err_code: 10133,
    description: "replicas count cannot be negative",
};
/// 10134 `JSConsumerReplicasShouldMatchStream`.
pub const CONSUMER_REPLICAS_SHOULD_MATCH_STREAM: ErrorDef = ErrorDef {
    name: "JSConsumerReplicasShouldMatchStream",
    code: 400,
    err_code: 10134,
    description: "consumer config replicas must match interest retention stream's replicas",
};
/// 10135 `JSConsumerMetadataLengthErrF`.
pub const CONSUMER_METADATA_LENGTH: ErrorDef = ErrorDef {
    name: "JSConsumerMetadataLengthErrF",
    code: 400,
    err_code: 10135,
    description: "consumer metadata exceeds maximum size of {limit}",
};
/// 10136 `JSConsumerDuplicateFilterSubjects`.
pub const CONSUMER_DUPLICATE_FILTER_SUBJECTS: ErrorDef = ErrorDef {
    name: "JSConsumerDuplicateFilterSubjects",
    code: 400,
    err_code: 10136,
    description: "consumer cannot have both FilterSubject and FilterSubjects specified",
};
/// 10137 `JSConsumerMultipleFiltersNotAllowed`.
pub const CONSUMER_MULTIPLE_FILTERS_NOT_ALLOWED: ErrorDef = ErrorDef {
    name: "JSConsumerMultipleFiltersNotAllowed",
    code: 400,
    err_code: 10137,
    description: "consumer with multiple subject filters cannot use subject based API",
};
/// 10138 `JSConsumerOverlappingSubjectFilters`.
pub const CONSUMER_OVERLAPPING_SUBJECT_FILTERS: ErrorDef = ErrorDef {
    name: "JSConsumerOverlappingSubjectFilters",
    code: 400,
    err_code: 10138,
    description: "consumer subject filters cannot overlap",
};
/// 10139 `JSConsumerEmptyFilter`.
pub const CONSUMER_EMPTY_FILTER: ErrorDef = ErrorDef {
    name: "JSConsumerEmptyFilter",
    code: 400,
    err_code: 10139,
    description: "consumer filter in FilterSubjects cannot be empty",
};
/// 10140 `JSSourceDuplicateDetected`.
pub const SOURCE_DUPLICATE_DETECTED: ErrorDef = ErrorDef {
    name: "JSSourceDuplicateDetected",
    code: 400,
    err_code: 10140,
    description: "duplicate source configuration detected",
};
/// 10141 `JSSourceInvalidStreamName`.
pub const SOURCE_INVALID_STREAM_NAME: ErrorDef = ErrorDef {
    name: "JSSourceInvalidStreamName",
    code: 400,
    err_code: 10141,
    description: "sourced stream name is invalid",
};
/// 10142 `JSMirrorInvalidStreamName`.
pub const MIRROR_INVALID_STREAM_NAME: ErrorDef = ErrorDef {
    name: "JSMirrorInvalidStreamName",
    code: 400,
    err_code: 10142,
    description: "mirrored stream name is invalid",
};
/// 10143 `JSMirrorWithFirstSeqErr`.
pub const MIRROR_WITH_FIRST_SEQ: ErrorDef = ErrorDef {
    name: "JSMirrorWithFirstSeqErr",
    code: 400,
    err_code: 10143,
    description: "stream mirrors can not have first sequence configured",
};
/// 10144 `JSSourceMultipleFiltersNotAllowed`.
pub const SOURCE_MULTIPLE_FILTERS_NOT_ALLOWED: ErrorDef = ErrorDef {
    name: "JSSourceMultipleFiltersNotAllowed",
    code: 400,
    err_code: 10144,
    description: "source with multiple subject transforms cannot also have a single subject filter",
};
/// 10145 `JSSourceInvalidSubjectFilter`.
pub const SOURCE_INVALID_SUBJECT_FILTER: ErrorDef = ErrorDef {
    name: "JSSourceInvalidSubjectFilter",
    code: 400,
    err_code: 10145,
    description: "source transform source: {err}",
};
/// 10146 `JSSourceInvalidTransformDestination`.
pub const SOURCE_INVALID_TRANSFORM_DESTINATION: ErrorDef = ErrorDef {
    name: "JSSourceInvalidTransformDestination",
    code: 400,
    err_code: 10146,
    description: "source transform: {err}",
};
/// 10147 `JSSourceOverlappingSubjectFilters`.
pub const SOURCE_OVERLAPPING_SUBJECT_FILTERS: ErrorDef = ErrorDef {
    name: "JSSourceOverlappingSubjectFilters",
    code: 400,
    err_code: 10147,
    description: "source filters can not overlap",
};
/// 10148 `JSConsumerAlreadyExists`.
pub const CONSUMER_ALREADY_EXISTS: ErrorDef =
    ErrorDef { name: "JSConsumerAlreadyExists", code: 400, err_code: 10148, description: "consumer already exists" };
/// 10149 `JSConsumerDoesNotExist`.
pub const CONSUMER_DOES_NOT_EXIST: ErrorDef =
    ErrorDef { name: "JSConsumerDoesNotExist", code: 400, err_code: 10149, description: "consumer does not exist" };
/// 10150 `JSMirrorMultipleFiltersNotAllowed`.
pub const MIRROR_MULTIPLE_FILTERS_NOT_ALLOWED: ErrorDef = ErrorDef {
    name: "JSMirrorMultipleFiltersNotAllowed",
    code: 400,
    err_code: 10150,
    description: "mirror with multiple subject transforms cannot also have a single subject filter",
};
/// 10151 `JSMirrorInvalidSubjectFilter`.
pub const MIRROR_INVALID_SUBJECT_FILTER: ErrorDef = ErrorDef {
    name: "JSMirrorInvalidSubjectFilter",
    code: 400,
    err_code: 10151,
    description: "mirror transform source: {err}",
};
/// 10152 `JSMirrorOverlappingSubjectFilters`.
pub const MIRROR_OVERLAPPING_SUBJECT_FILTERS: ErrorDef = ErrorDef {
    name: "JSMirrorOverlappingSubjectFilters",
    code: 400,
    err_code: 10152,
    description: "mirror subject filters can not overlap",
};
/// 10153 `JSConsumerInactiveThresholdExcess`.
pub const CONSUMER_INACTIVE_THRESHOLD_EXCESS: ErrorDef = ErrorDef {
    name: "JSConsumerInactiveThresholdExcess",
    code: 400,
    err_code: 10153,
    description: "consumer inactive threshold exceeds system limit of {limit}",
};
/// 10154 `JSMirrorInvalidTransformDestination`.
pub const MIRROR_INVALID_TRANSFORM_DESTINATION: ErrorDef = ErrorDef {
    name: "JSMirrorInvalidTransformDestination",
    code: 400,
    err_code: 10154,
    description: "mirror transform: {err}",
};
/// 10155 `JSStreamTransformInvalidSource`.
pub const STREAM_TRANSFORM_INVALID_SOURCE: ErrorDef = ErrorDef {
    name: "JSStreamTransformInvalidSource",
    code: 400,
    err_code: 10155,
    description: "stream transform source: {err}",
};
/// 10156 `JSStreamTransformInvalidDestination`.
pub const STREAM_TRANSFORM_INVALID_DESTINATION: ErrorDef = ErrorDef {
    name: "JSStreamTransformInvalidDestination",
    code: 400,
    err_code: 10156,
    description: "stream transform: {err}",
};
/// 10157 `JSPedanticErrF`.
pub const PEDANTIC: ErrorDef =
    ErrorDef { name: "JSPedanticErrF", code: 400, err_code: 10157, description: "pedantic mode: {err}" };
/// 10158 `JSStreamDuplicateMessageConflict`.
pub const STREAM_DUPLICATE_MESSAGE_CONFLICT: ErrorDef = ErrorDef {
    name: "JSStreamDuplicateMessageConflict",
    code: 409,
    err_code: 10158,
    description: "duplicate message id is in process",
};
/// 10159 `JSConsumerPriorityPolicyWithoutGroup`.
pub const CONSUMER_PRIORITY_POLICY_WITHOUT_GROUP: ErrorDef = ErrorDef {
    name: "JSConsumerPriorityPolicyWithoutGroup",
    code: 400,
    err_code: 10159,
    description: "Setting PriorityPolicy requires at least one PriorityGroup to be set",
};
/// 10160 `JSConsumerInvalidPriorityGroupErr`.
pub const CONSUMER_INVALID_PRIORITY_GROUP: ErrorDef = ErrorDef {
    name: "JSConsumerInvalidPriorityGroupErr",
    code: 400,
    err_code: 10160,
    description: "Provided priority group does not exist for this consumer",
};
/// 10161 `JSConsumerEmptyGroupName`.
pub const CONSUMER_EMPTY_GROUP_NAME: ErrorDef = ErrorDef {
    name: "JSConsumerEmptyGroupName",
    code: 400,
    err_code: 10161,
    description: "Group name cannot be an empty string",
};
/// 10162 `JSConsumerInvalidGroupNameErr`.
pub const CONSUMER_INVALID_GROUP_NAME: ErrorDef = ErrorDef {
    name: "JSConsumerInvalidGroupNameErr",
    code: 400,
    err_code: 10162,
    description: "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters",
};
/// 10163 `JSStreamExpectedLastSeqPerSubjectNotReady`.
pub const STREAM_EXPECTED_LAST_SEQ_PER_SUBJECT_NOT_READY: ErrorDef = ErrorDef {
    name: "JSStreamExpectedLastSeqPerSubjectNotReady",
    code: 503,
    err_code: 10163,
    description: "expected last sequence per subject temporarily unavailable",
};
/// 10164 `JSStreamWrongLastSequenceConstantErr`.
pub const STREAM_WRONG_LAST_SEQUENCE_CONSTANT: ErrorDef = ErrorDef {
    name: "JSStreamWrongLastSequenceConstantErr",
    code: 400,
    err_code: 10164,
    description: "wrong last sequence",
};
/// 10165 `JSMessageTTLInvalidErr`.
pub const MESSAGE_TTL_INVALID: ErrorDef =
    ErrorDef { name: "JSMessageTTLInvalidErr", code: 400, err_code: 10165, description: "invalid per-message TTL" };
/// 10166 `JSMessageTTLDisabledErr`.
pub const MESSAGE_TTL_DISABLED: ErrorDef = ErrorDef {
    name: "JSMessageTTLDisabledErr",
    code: 400,
    err_code: 10166,
    description: "per-message TTL is disabled",
};
/// 10167 `JSStreamTooManyRequests`.
pub const STREAM_TOO_MANY_REQUESTS: ErrorDef =
    ErrorDef { name: "JSStreamTooManyRequests", code: 429, err_code: 10167, description: "too many requests" };
/// 10168 `JSMessageIncrDisabledErr`.
pub const MESSAGE_INCR_DISABLED: ErrorDef = ErrorDef {
    name: "JSMessageIncrDisabledErr",
    code: 400,
    err_code: 10168,
    description: "message counters is disabled",
};
/// 10169 `JSMessageIncrMissingErr`.
pub const MESSAGE_INCR_MISSING: ErrorDef = ErrorDef {
    name: "JSMessageIncrMissingErr",
    code: 400,
    err_code: 10169,
    description: "message counter increment is missing",
};
/// 10170 `JSMessageIncrPayloadErr`.
pub const MESSAGE_INCR_PAYLOAD: ErrorDef = ErrorDef {
    name: "JSMessageIncrPayloadErr",
    code: 400,
    err_code: 10170,
    description: "message counter has payload",
};
/// 10171 `JSMessageIncrInvalidErr`.
pub const MESSAGE_INCR_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageIncrInvalidErr",
    code: 400,
    err_code: 10171,
    description: "message counter increment is invalid",
};
/// 10172 `JSMessageCounterBrokenErr`.
pub const MESSAGE_COUNTER_BROKEN: ErrorDef = ErrorDef {
    name: "JSMessageCounterBrokenErr",
    code: 400,
    err_code: 10172,
    description: "message counter is broken",
};
/// 10173 `JSMirrorWithCountersErr`.
pub const MIRROR_WITH_COUNTERS: ErrorDef = ErrorDef {
    name: "JSMirrorWithCountersErr",
    code: 400,
    err_code: 10173,
    description: "stream mirrors can not also calculate counters",
};
/// 10174 `JSAtomicPublishDisabledErr`.
pub const ATOMIC_PUBLISH_DISABLED: ErrorDef = ErrorDef {
    name: "JSAtomicPublishDisabledErr",
    code: 400,
    err_code: 10174,
    description: "atomic publish is disabled",
};
/// 10175 `JSAtomicPublishMissingSeqErr`.
pub const ATOMIC_PUBLISH_MISSING_SEQ: ErrorDef = ErrorDef {
    name: "JSAtomicPublishMissingSeqErr",
    code: 400,
    err_code: 10175,
    description: "atomic publish sequence is missing",
};
/// 10176 `JSAtomicPublishIncompleteBatchErr`.
pub const ATOMIC_PUBLISH_INCOMPLETE_BATCH: ErrorDef = ErrorDef {
    name: "JSAtomicPublishIncompleteBatchErr",
    code: 400,
    err_code: 10176,
    description: "atomic publish batch is incomplete",
};
/// 10177 `JSAtomicPublishUnsupportedHeaderBatchErr`.
pub const ATOMIC_PUBLISH_UNSUPPORTED_HEADER_BATCH: ErrorDef = ErrorDef {
    name: "JSAtomicPublishUnsupportedHeaderBatchErr",
    code: 400,
    err_code: 10177,
    description: "atomic publish unsupported header used: {header}",
};
/// 10178 `JSConsumerPushWithPriorityGroupErr`.
pub const CONSUMER_PUSH_WITH_PRIORITY_GROUP: ErrorDef = ErrorDef {
    name: "JSConsumerPushWithPriorityGroupErr",
    code: 400,
    err_code: 10178,
    description: "priority groups can not be used with push consumers",
};
/// 10179 `JSAtomicPublishInvalidBatchIDErr`.
pub const ATOMIC_PUBLISH_INVALID_BATCH_ID: ErrorDef = ErrorDef {
    name: "JSAtomicPublishInvalidBatchIDErr",
    code: 400,
    err_code: 10179,
    description: "atomic publish batch ID is invalid",
};
/// 10180 `JSStreamMinLastSeqErr`.
pub const STREAM_MIN_LAST_SEQ: ErrorDef =
    ErrorDef { name: "JSStreamMinLastSeqErr", code: 412, err_code: 10180, description: "min last sequence" };
/// 10181 `JSConsumerAckPolicyInvalidErr`.
pub const CONSUMER_ACK_POLICY_INVALID: ErrorDef = ErrorDef {
    name: "JSConsumerAckPolicyInvalidErr",
    code: 400,
    err_code: 10181,
    description: "consumer ack policy invalid",
};
/// 10182 `JSConsumerReplayPolicyInvalidErr`.
pub const CONSUMER_REPLAY_POLICY_INVALID: ErrorDef = ErrorDef {
    name: "JSConsumerReplayPolicyInvalidErr",
    code: 400,
    err_code: 10182,
    description: "consumer replay policy invalid",
};
/// 10183 `JSConsumerAckWaitNegativeErr`.
pub const CONSUMER_ACK_WAIT_NEGATIVE: ErrorDef = ErrorDef {
    name: "JSConsumerAckWaitNegativeErr",
    code: 400,
    err_code: 10183,
    description: "consumer ack wait needs to be positive",
};
/// 10184 `JSConsumerBackOffNegativeErr`.
pub const CONSUMER_BACK_OFF_NEGATIVE: ErrorDef = ErrorDef {
    name: "JSConsumerBackOffNegativeErr",
    code: 400,
    err_code: 10184,
    description: "consumer backoff needs to be positive",
};
/// 10185 `JSRequiredApiLevelErr`.
pub const REQUIRED_API_LEVEL: ErrorDef = ErrorDef {
    name: "JSRequiredApiLevelErr",
    code: 412,
    err_code: 10185,
    description: "JetStream minimum api level required",
};
/// 10186 `JSMirrorWithMsgSchedulesErr`.
pub const MIRROR_WITH_MSG_SCHEDULES: ErrorDef = ErrorDef {
    name: "JSMirrorWithMsgSchedulesErr",
    code: 400,
    err_code: 10186,
    description: "stream mirrors can not also schedule messages",
};
/// 10187 `JSSourceWithMsgSchedulesErr`.
pub const SOURCE_WITH_MSG_SCHEDULES: ErrorDef = ErrorDef {
    name: "JSSourceWithMsgSchedulesErr",
    code: 400,
    err_code: 10187,
    description: "stream source can not also schedule messages",
};
/// 10188 `JSMessageSchedulesDisabledErr`.
pub const MESSAGE_SCHEDULES_DISABLED: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesDisabledErr",
    code: 400,
    err_code: 10188,
    description: "message schedules is disabled",
};
/// 10189 `JSMessageSchedulesPatternInvalidErr`.
pub const MESSAGE_SCHEDULES_PATTERN_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesPatternInvalidErr",
    code: 400,
    err_code: 10189,
    description: "message schedules pattern is invalid",
};
/// 10190 `JSMessageSchedulesTargetInvalidErr`.
pub const MESSAGE_SCHEDULES_TARGET_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesTargetInvalidErr",
    code: 400,
    err_code: 10190,
    description: "message schedules target is invalid",
};
/// 10191 `JSMessageSchedulesTTLInvalidErr`.
pub const MESSAGE_SCHEDULES_TTL_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesTTLInvalidErr",
    code: 400,
    err_code: 10191,
    description: "message schedules invalid per-message TTL",
};
/// 10192 `JSMessageSchedulesRollupInvalidErr`.
pub const MESSAGE_SCHEDULES_ROLLUP_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesRollupInvalidErr",
    code: 400,
    err_code: 10192,
    description: "message schedules invalid rollup",
};
/// 10193 `JSStreamExpectedLastSeqPerSubjectInvalid`.
pub const STREAM_EXPECTED_LAST_SEQ_PER_SUBJECT_INVALID: ErrorDef = ErrorDef {
    name: "JSStreamExpectedLastSeqPerSubjectInvalid",
    code: 400,
    err_code: 10193,
    description: "missing sequence for expected last sequence per subject",
};
/// 10194 `JSStreamOfflineReasonErrF`.
pub const STREAM_OFFLINE_REASON: ErrorDef =
    ErrorDef { name: "JSStreamOfflineReasonErrF", code: 500, err_code: 10194, description: "stream is offline: {err}" };
/// 10195 `JSConsumerOfflineReasonErrF`.
pub const CONSUMER_OFFLINE_REASON: ErrorDef = ErrorDef {
    name: "JSConsumerOfflineReasonErrF",
    code: 500,
    err_code: 10195,
    description: "consumer is offline: {err}",
};
/// 10196 `JSConsumerPriorityGroupWithPolicyNone`.
pub const CONSUMER_PRIORITY_GROUP_WITH_POLICY_NONE: ErrorDef = ErrorDef {
    name: "JSConsumerPriorityGroupWithPolicyNone",
    code: 400,
    err_code: 10196,
    description: "consumer can not have priority groups when policy is none",
};
/// 10197 `JSConsumerPinnedTTLWithoutPriorityPolicyNone`.
pub const CONSUMER_PINNED_TTL_WITHOUT_PRIORITY_POLICY_NONE: ErrorDef = ErrorDef {
    name: "JSConsumerPinnedTTLWithoutPriorityPolicyNone",
    code: 400,
    err_code: 10197,
    description: "PinnedTTL cannot be set when PriorityPolicy is none",
};
/// 10198 `JSMirrorWithAtomicPublishErr`.
pub const MIRROR_WITH_ATOMIC_PUBLISH: ErrorDef = ErrorDef {
    name: "JSMirrorWithAtomicPublishErr",
    code: 400,
    err_code: 10198,
    description: "stream mirrors can not also use atomic publishing",
};
/// 10199 `JSAtomicPublishTooLargeBatchErrF`.
pub const ATOMIC_PUBLISH_TOO_LARGE_BATCH: ErrorDef = ErrorDef {
    name: "JSAtomicPublishTooLargeBatchErrF",
    code: 400,
    err_code: 10199,
    description: "atomic publish batch is too large: {size}",
};
/// 10200 `JSAtomicPublishInvalidBatchCommitErr`.
pub const ATOMIC_PUBLISH_INVALID_BATCH_COMMIT: ErrorDef = ErrorDef {
    name: "JSAtomicPublishInvalidBatchCommitErr",
    code: 400,
    err_code: 10200,
    description: "atomic publish batch commit is invalid",
};
/// 10201 `JSAtomicPublishContainsDuplicateMessageErr`.
pub const ATOMIC_PUBLISH_CONTAINS_DUPLICATE_MESSAGE: ErrorDef = ErrorDef {
    name: "JSAtomicPublishContainsDuplicateMessageErr",
    code: 400,
    err_code: 10201,
    description: "atomic publish batch contains duplicate message id",
};
/// 10202 `JSClusterServerMemberChangeInflightErr`.
pub const CLUSTER_SERVER_MEMBER_CHANGE_INFLIGHT: ErrorDef = ErrorDef {
    name: "JSClusterServerMemberChangeInflightErr",
    code: 400,
    err_code: 10202,
    description: "cluster member change is in progress",
};
/// 10203 `JSMessageSchedulesSourceInvalidErr`.
pub const MESSAGE_SCHEDULES_SOURCE_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesSourceInvalidErr",
    code: 400,
    err_code: 10203,
    description: "message schedules source is invalid",
};
/// 10204 `JSConsumerInvalidResetErr`.
pub const CONSUMER_INVALID_RESET: ErrorDef =
    ErrorDef { name: "JSConsumerInvalidResetErr", code: 400, err_code: 10204, description: "invalid reset: {err}" };
/// 10205 `JSBatchPublishDisabledErr`.
pub const BATCH_PUBLISH_DISABLED: ErrorDef = ErrorDef {
    name: "JSBatchPublishDisabledErr",
    code: 400,
    err_code: 10205,
    description: "batch publish is disabled",
};
/// 10206 `JSBatchPublishInvalidPatternErr`.
pub const BATCH_PUBLISH_INVALID_PATTERN: ErrorDef = ErrorDef {
    name: "JSBatchPublishInvalidPatternErr",
    code: 400,
    err_code: 10206,
    description: "batch publish pattern is invalid",
};
/// 10207 `JSBatchPublishInvalidBatchIDErr`.
pub const BATCH_PUBLISH_INVALID_BATCH_ID: ErrorDef = ErrorDef {
    name: "JSBatchPublishInvalidBatchIDErr",
    code: 400,
    err_code: 10207,
    description: "batch publish ID is invalid",
};
/// 10208 `JSBatchPublishUnknownBatchIDErr`.
pub const BATCH_PUBLISH_UNKNOWN_BATCH_ID: ErrorDef = ErrorDef {
    name: "JSBatchPublishUnknownBatchIDErr",
    code: 400,
    err_code: 10208,
    description: "batch publish ID unknown",
};
/// 10209 `JSMirrorWithBatchPublishErr`.
pub const MIRROR_WITH_BATCH_PUBLISH: ErrorDef = ErrorDef {
    name: "JSMirrorWithBatchPublishErr",
    code: 400,
    err_code: 10209,
    description: "stream mirrors can not also use batch publishing",
};
/// 10210 `JSAtomicPublishTooManyInflight`.
pub const ATOMIC_PUBLISH_TOO_MANY_INFLIGHT: ErrorDef = ErrorDef {
    name: "JSAtomicPublishTooManyInflight",
    code: 429,
    err_code: 10210,
    description: "atomic publish too many inflight",
};
/// 10211 `JSBatchPublishTooManyInflight`.
pub const BATCH_PUBLISH_TOO_MANY_INFLIGHT: ErrorDef = ErrorDef {
    name: "JSBatchPublishTooManyInflight",
    code: 429,
    err_code: 10211,
    description: "batch publish too many inflight",
};
/// 10212 `JSMessageSchedulesSchedulerInvalidErr`.
pub const MESSAGE_SCHEDULES_SCHEDULER_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesSchedulerInvalidErr",
    code: 400,
    err_code: 10212,
    description: "message schedules invalid scheduler",
};
/// 10213 `JSMirrorDurableConsumerCfgInvalid`.
pub const MIRROR_DURABLE_CONSUMER_CFG_INVALID: ErrorDef = ErrorDef {
    name: "JSMirrorDurableConsumerCfgInvalid",
    code: 400,
    err_code: 10213,
    description: "stream mirror consumer config is invalid",
};
/// 10214 `JSMirrorConsumerRequiresAckFCErr`.
pub const MIRROR_CONSUMER_REQUIRES_ACK_FC: ErrorDef = ErrorDef {
    name: "JSMirrorConsumerRequiresAckFCErr",
    code: 400,
    err_code: 10214,
    description: "stream mirror consumer requires flow control ack policy",
};
/// 10215 `JSSourceDurableConsumerCfgInvalid`.
pub const SOURCE_DURABLE_CONSUMER_CFG_INVALID: ErrorDef = ErrorDef {
    name: "JSSourceDurableConsumerCfgInvalid",
    code: 400,
    err_code: 10215,
    description: "stream source consumer config is invalid",
};
/// 10216 `JSSourceDurableConsumerDuplicateDetected`.
pub const SOURCE_DURABLE_CONSUMER_DUPLICATE_DETECTED: ErrorDef = ErrorDef {
    name: "JSSourceDurableConsumerDuplicateDetected",
    code: 400,
    err_code: 10216,
    description: "duplicate stream source consumer detected",
};
/// 10217 `JSSourceConsumerRequiresAckFCErr`.
pub const SOURCE_CONSUMER_REQUIRES_ACK_FC: ErrorDef = ErrorDef {
    name: "JSSourceConsumerRequiresAckFCErr",
    code: 400,
    err_code: 10217,
    description: "stream source consumer requires flow control ack policy",
};
/// 10218 `JSConsumerAckFCRequiresPushErr`.
pub const CONSUMER_ACK_FC_REQUIRES_PUSH: ErrorDef = ErrorDef {
    name: "JSConsumerAckFCRequiresPushErr",
    code: 400,
    err_code: 10218,
    description: "flow control ack policy requires a push based consumer",
};
/// 10219 `JSConsumerAckFCRequiresFCErr`.
pub const CONSUMER_ACK_FC_REQUIRES_FC: ErrorDef = ErrorDef {
    name: "JSConsumerAckFCRequiresFCErr",
    code: 400,
    err_code: 10219,
    description: "flow control ack policy requires flow control",
};
/// 10220 `JSConsumerAckFCRequiresMaxAckPendingErr`.
pub const CONSUMER_ACK_FC_REQUIRES_MAX_ACK_PENDING: ErrorDef = ErrorDef {
    name: "JSConsumerAckFCRequiresMaxAckPendingErr",
    code: 400,
    err_code: 10220,
    description: "flow control ack policy requires max ack pending",
};
/// 10221 `JSConsumerAckFCRequiresNoAckWaitErr`.
pub const CONSUMER_ACK_FC_REQUIRES_NO_ACK_WAIT: ErrorDef = ErrorDef {
    name: "JSConsumerAckFCRequiresNoAckWaitErr",
    code: 400,
    err_code: 10221,
    description: "flow control ack policy requires unset ack wait",
};
/// 10222 `JSConsumerAckFCRequiresNoMaxDeliverErr`.
pub const CONSUMER_ACK_FC_REQUIRES_NO_MAX_DELIVER: ErrorDef = ErrorDef {
    name: "JSConsumerAckFCRequiresNoMaxDeliverErr",
    code: 400,
    err_code: 10222,
    description: "flow control ack policy requires unset max deliver",
};
/// 10223 `JSMessageSchedulesTimeZoneInvalidErr`.
pub const MESSAGE_SCHEDULES_TIME_ZONE_INVALID: ErrorDef = ErrorDef {
    name: "JSMessageSchedulesTimeZoneInvalidErr",
    code: 400,
    err_code: 10223,
    description: "message schedules time zone is invalid",
};
/// 10224 `JSClusterRescueErr`.
pub const CLUSTER_RESCUE: ErrorDef = ErrorDef {
    name: "JSClusterRescueErr",
    code: 400,
    err_code: 10224,
    description: "JetStream system rescue not applied: {err}",
};
/// 10225 `JSConsumerStreamIdentityMismatchF`.
pub const CONSUMER_STREAM_IDENTITY_MISMATCH: ErrorDef = ErrorDef {
    name: "JSConsumerStreamIdentityMismatchF",
    code: 400,
    err_code: 10225,
    description: "consumer's stream identity does not match: {msg}",
};
/// 10226 `JSStreamReconfigureInProgressErr`.
pub const STREAM_RECONFIGURE_IN_PROGRESS: ErrorDef = ErrorDef {
    name: "JSStreamReconfigureInProgressErr",
    code: 400,
    err_code: 10226,
    description: "stream reconfiguration already in progress",
};
/// 10227 `JSMessageSourceHdrNotAllowedErr`.
pub const MESSAGE_SOURCE_HDR_NOT_ALLOWED: ErrorDef = ErrorDef {
    name: "JSMessageSourceHdrNotAllowedErr",
    code: 400,
    err_code: 10227,
    description: "message stream source header is not allowed",
};

/// Every entry, ordered by `err_code`.
pub const ALL: &[ErrorDef] = &[
    ACCOUNT_RESOURCES_EXCEEDED,
    BAD_REQUEST,
    CLUSTER_INCOMPLETE,
    CLUSTER_NO_PEERS,
    CLUSTER_NOT_ACTIVE,
    CLUSTER_NOT_ASSIGNED,
    CLUSTER_NOT_AVAIL,
    CLUSTER_NOT_LEADER,
    CLUSTER_REQUIRED,
    CLUSTER_TAGS,
    CONSUMER_CREATE,
    CONSUMER_NAME_EXIST,
    CONSUMER_NOT_FOUND,
    SNAPSHOT_DELIVER_SUBJECT_INVALID,
    CONSUMER_DURABLE_NAME_NOT_IN_SUBJECT,
    CONSUMER_DURABLE_NAME_NOT_MATCH_SUBJECT,
    CONSUMER_DURABLE_NAME_NOT_SET,
    CONSUMER_EPHEMERAL_WITH_DURABLE_IN_SUBJECT,
    CONSUMER_EPHEMERAL_WITH_DURABLE_NAME,
    STREAM_EXTERNAL_API_OVERLAP,
    STREAM_EXTERNAL_DEL_PREFIX_OVERLAPS,
    INSUFFICIENT_RESOURCES,
    STREAM_INVALID_EXTERNAL_DELIVERY_SUBJ,
    INVALID_JSON,
    MAXIMUM_CONSUMERS_LIMIT,
    MAXIMUM_STREAMS_LIMIT,
    MEMORY_RESOURCES_EXCEEDED,
    MIRROR_CONSUMER_SETUP_FAILED,
    MIRROR_MAX_MESSAGE_SIZE_TOO_BIG,
    MIRROR_WITH_SOURCES,
    MIRROR_WITH_START_SEQ_AND_TIME,
    MIRROR_WITH_SUBJECT_FILTERS,
    MIRROR_WITH_SUBJECTS,
    NO_ACCOUNT,
    CLUSTER_UN_SUPPORT_FEATURE,
    NO_MESSAGE_FOUND,
    NOT_EMPTY_REQUEST,
    NOT_ENABLED_FOR_ACCOUNT,
    CLUSTER_PEER_NOT_MEMBER,
    RAFT_GENERAL,
    RESTORE_SUBSCRIBE_FAILED,
    SEQUENCE_NOT_FOUND,
    CLUSTER_SERVER_NOT_MEMBER,
    SOURCE_CONSUMER_SETUP_FAILED,
    SOURCE_MAX_MESSAGE_SIZE_TOO_BIG,
    STORAGE_RESOURCES_EXCEEDED,
    STREAM_ASSIGNMENT,
    STREAM_CREATE,
    STREAM_DELETE,
    STREAM_GENERAL,
    STREAM_INVALID_CONFIG,
    STREAM_LIMITS,
    STREAM_MESSAGE_EXCEEDS_MAXIMUM,
    STREAM_MIRROR_NOT_UPDATABLE,
    STREAM_MISMATCH,
    STREAM_MSG_DELETE_FAILED,
    STREAM_NAME_EXIST,
    STREAM_NOT_FOUND,
    STREAM_NOT_MATCH,
    STREAM_REPLICAS_NOT_UPDATABLE,
    STREAM_RESTORE,
    STREAM_SEQUENCE_NOT_MATCH,
    STREAM_SNAPSHOT,
    STREAM_SUBJECT_OVERLAP,
    STREAM_TEMPLATE_CREATE,
    STREAM_TEMPLATE_DELETE,
    STREAM_TEMPLATE_NOT_FOUND,
    STREAM_UPDATE,
    STREAM_WRONG_LAST_MSG_ID,
    STREAM_WRONG_LAST_SEQUENCE,
    TEMP_STORAGE_FAILED,
    TEMPLATE_NAME_NOT_MATCH_SUBJECT,
    STREAM_REPLICAS_NOT_SUPPORTED,
    PEER_REMAP,
    NOT_ENABLED,
    STREAM_STORE_FAILED,
    CONSUMER_CONFIG_REQUIRED,
    CONSUMER_DELIVER_TO_WILDCARDS,
    CONSUMER_PUSH_MAX_WAITING,
    CONSUMER_DELIVER_CYCLE,
    CONSUMER_MAX_PENDING_ACK_POLICY_REQUIRED,
    CONSUMER_SMALL_HEARTBEAT,
    CONSUMER_PULL_REQUIRES_ACK,
    CONSUMER_PULL_NOT_DURABLE,
    CONSUMER_PULL_WITH_RATE_LIMIT,
    CONSUMER_MAX_WAITING_NEGATIVE,
    CONSUMER_HB_REQUIRES_PUSH,
    CONSUMER_FC_REQUIRES_PUSH,
    CONSUMER_DIRECT_REQUIRES_PUSH,
    CONSUMER_DIRECT_REQUIRES_EPHEMERAL,
    CONSUMER_ON_MAPPED,
    CONSUMER_FILTER_NOT_SUBSET,
    CONSUMER_INVALID_POLICY,
    CONSUMER_INVALID_SAMPLING,
    STREAM_INVALID,
    STREAM_HEADER_EXCEEDS_MAXIMUM,
    CONSUMER_WQ_REQUIRES_EXPLICIT_ACK,
    CONSUMER_WQ_MULTIPLE_UNFILTERED,
    CONSUMER_WQ_CONSUMER_NOT_UNIQUE,
    CONSUMER_WQ_CONSUMER_NOT_DELIVER_ALL,
    CONSUMER_NAME_TOO_LONG,
    CONSUMER_BAD_DURABLE_NAME,
    CONSUMER_STORE_FAILED,
    CONSUMER_EXISTING_ACTIVE,
    CONSUMER_REPLACEMENT_WITH_DIFFERENT_NAME,
    CONSUMER_DESCRIPTION_TOO_LONG,
    CONSUMER_WITH_FLOW_CONTROL_NEEDS_HEARTBEATS,
    STREAM_SEALED,
    STREAM_PURGE_FAILED,
    STREAM_ROLLUP_FAILED,
    CONSUMER_INVALID_DELIVER_SUBJECT,
    STREAM_MAX_BYTES_REQUIRED,
    CONSUMER_MAX_REQUEST_BATCH_NEGATIVE,
    CONSUMER_MAX_REQUEST_EXPIRES_TOO_SMALL,
    CONSUMER_MAX_DELIVER_BACKOFF,
    STREAM_INFO_MAX_SUBJECTS,
    STREAM_OFFLINE,
    CONSUMER_OFFLINE,
    NO_LIMITS,
    CONSUMER_MAX_PENDING_ACK_EXCESS,
    STREAM_MAX_STREAM_BYTES_EXCEEDED,
    STREAM_MOVE_AND_SCALE,
    STREAM_MOVE_IN_PROGRESS,
    CONSUMER_MAX_REQUEST_BATCH_EXCEEDED,
    CONSUMER_REPLICAS_EXCEEDS_STREAM,
    CONSUMER_NAME_CONTAINS_PATH_SEPARATORS,
    STREAM_NAME_CONTAINS_PATH_SEPARATORS,
    STREAM_RECONFIGURE_NOT_IN_PROGRESS,
    STREAM_NAME_EXIST_RESTORE_FAILED,
    CONSUMER_CREATE_FILTER_SUBJECT_MISMATCH,
    CONSUMER_CREATE_DURABLE_AND_NAME_MISMATCH,
    REPLICAS_COUNT_CANNOT_BE_NEGATIVE,
    CONSUMER_REPLICAS_SHOULD_MATCH_STREAM,
    CONSUMER_METADATA_LENGTH,
    CONSUMER_DUPLICATE_FILTER_SUBJECTS,
    CONSUMER_MULTIPLE_FILTERS_NOT_ALLOWED,
    CONSUMER_OVERLAPPING_SUBJECT_FILTERS,
    CONSUMER_EMPTY_FILTER,
    SOURCE_DUPLICATE_DETECTED,
    SOURCE_INVALID_STREAM_NAME,
    MIRROR_INVALID_STREAM_NAME,
    MIRROR_WITH_FIRST_SEQ,
    SOURCE_MULTIPLE_FILTERS_NOT_ALLOWED,
    SOURCE_INVALID_SUBJECT_FILTER,
    SOURCE_INVALID_TRANSFORM_DESTINATION,
    SOURCE_OVERLAPPING_SUBJECT_FILTERS,
    CONSUMER_ALREADY_EXISTS,
    CONSUMER_DOES_NOT_EXIST,
    MIRROR_MULTIPLE_FILTERS_NOT_ALLOWED,
    MIRROR_INVALID_SUBJECT_FILTER,
    MIRROR_OVERLAPPING_SUBJECT_FILTERS,
    CONSUMER_INACTIVE_THRESHOLD_EXCESS,
    MIRROR_INVALID_TRANSFORM_DESTINATION,
    STREAM_TRANSFORM_INVALID_SOURCE,
    STREAM_TRANSFORM_INVALID_DESTINATION,
    PEDANTIC,
    STREAM_DUPLICATE_MESSAGE_CONFLICT,
    CONSUMER_PRIORITY_POLICY_WITHOUT_GROUP,
    CONSUMER_INVALID_PRIORITY_GROUP,
    CONSUMER_EMPTY_GROUP_NAME,
    CONSUMER_INVALID_GROUP_NAME,
    STREAM_EXPECTED_LAST_SEQ_PER_SUBJECT_NOT_READY,
    STREAM_WRONG_LAST_SEQUENCE_CONSTANT,
    MESSAGE_TTL_INVALID,
    MESSAGE_TTL_DISABLED,
    STREAM_TOO_MANY_REQUESTS,
    MESSAGE_INCR_DISABLED,
    MESSAGE_INCR_MISSING,
    MESSAGE_INCR_PAYLOAD,
    MESSAGE_INCR_INVALID,
    MESSAGE_COUNTER_BROKEN,
    MIRROR_WITH_COUNTERS,
    ATOMIC_PUBLISH_DISABLED,
    ATOMIC_PUBLISH_MISSING_SEQ,
    ATOMIC_PUBLISH_INCOMPLETE_BATCH,
    ATOMIC_PUBLISH_UNSUPPORTED_HEADER_BATCH,
    CONSUMER_PUSH_WITH_PRIORITY_GROUP,
    ATOMIC_PUBLISH_INVALID_BATCH_ID,
    STREAM_MIN_LAST_SEQ,
    CONSUMER_ACK_POLICY_INVALID,
    CONSUMER_REPLAY_POLICY_INVALID,
    CONSUMER_ACK_WAIT_NEGATIVE,
    CONSUMER_BACK_OFF_NEGATIVE,
    REQUIRED_API_LEVEL,
    MIRROR_WITH_MSG_SCHEDULES,
    SOURCE_WITH_MSG_SCHEDULES,
    MESSAGE_SCHEDULES_DISABLED,
    MESSAGE_SCHEDULES_PATTERN_INVALID,
    MESSAGE_SCHEDULES_TARGET_INVALID,
    MESSAGE_SCHEDULES_TTL_INVALID,
    MESSAGE_SCHEDULES_ROLLUP_INVALID,
    STREAM_EXPECTED_LAST_SEQ_PER_SUBJECT_INVALID,
    STREAM_OFFLINE_REASON,
    CONSUMER_OFFLINE_REASON,
    CONSUMER_PRIORITY_GROUP_WITH_POLICY_NONE,
    CONSUMER_PINNED_TTL_WITHOUT_PRIORITY_POLICY_NONE,
    MIRROR_WITH_ATOMIC_PUBLISH,
    ATOMIC_PUBLISH_TOO_LARGE_BATCH,
    ATOMIC_PUBLISH_INVALID_BATCH_COMMIT,
    ATOMIC_PUBLISH_CONTAINS_DUPLICATE_MESSAGE,
    CLUSTER_SERVER_MEMBER_CHANGE_INFLIGHT,
    MESSAGE_SCHEDULES_SOURCE_INVALID,
    CONSUMER_INVALID_RESET,
    BATCH_PUBLISH_DISABLED,
    BATCH_PUBLISH_INVALID_PATTERN,
    BATCH_PUBLISH_INVALID_BATCH_ID,
    BATCH_PUBLISH_UNKNOWN_BATCH_ID,
    MIRROR_WITH_BATCH_PUBLISH,
    ATOMIC_PUBLISH_TOO_MANY_INFLIGHT,
    BATCH_PUBLISH_TOO_MANY_INFLIGHT,
    MESSAGE_SCHEDULES_SCHEDULER_INVALID,
    MIRROR_DURABLE_CONSUMER_CFG_INVALID,
    MIRROR_CONSUMER_REQUIRES_ACK_FC,
    SOURCE_DURABLE_CONSUMER_CFG_INVALID,
    SOURCE_DURABLE_CONSUMER_DUPLICATE_DETECTED,
    SOURCE_CONSUMER_REQUIRES_ACK_FC,
    CONSUMER_ACK_FC_REQUIRES_PUSH,
    CONSUMER_ACK_FC_REQUIRES_FC,
    CONSUMER_ACK_FC_REQUIRES_MAX_ACK_PENDING,
    CONSUMER_ACK_FC_REQUIRES_NO_ACK_WAIT,
    CONSUMER_ACK_FC_REQUIRES_NO_MAX_DELIVER,
    MESSAGE_SCHEDULES_TIME_ZONE_INVALID,
    CLUSTER_RESCUE,
    CONSUMER_STREAM_IDENTITY_MISMATCH,
    STREAM_RECONFIGURE_IN_PROGRESS,
    MESSAGE_SOURCE_HDR_NOT_ALLOWED,
];
