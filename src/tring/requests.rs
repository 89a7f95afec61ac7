//! One request builder per reqtype (or family of sub-actions), pure. Each
//! takes the reqtype's parameters as one named struct (or a few plain
//! arguments) and lists them in the page's order as a table for
//! [`build`](super::query::build), which checks them (`invalid-input` naming
//! the WIT field) and lays out the query.

use crate::prelude::*;

use super::query::{build, member, Answer, Check, Param, Tail, JSON};
use crate::bindings::exports::telephony::pbx::tring::{
    AgentType, CdrFilter, CdrFormat, Config, DialRequest, FaxPageSize, FaxQuality, FaxRequest, FaxRotate, FlowState,
    ManagedbObject, Media, QueueLogEntry, QueueRef, RecordingMode, ResponsepathFilter, SimplecdrFilter,
    SimplecdrFormat,
};
use crate::error::{invalid, Result};
use crate::http::Request;
use crate::validate;
use Check::{Digits, Fixed, Text, Token};

/// A reqtype with no parameters of its own (COUNTPEERS, COUNTCALLS, PEERS,
/// BLFS, FLOWS, CHANNELS), JSON asked.
pub fn plain_request(cfg: &Config, reqtype: &'static str) -> Result<Request> {
    build(cfg, reqtype, &[], JSON)
}

/// A reqtype with one parameter, JSON asked: COUNTCHANNELS `nodename`,
/// CHANNEL `channel`, QUEUERESET `queueid`, REBOOT / UNREGISTER `peer`.
pub fn one_param_request(
    cfg: &Config,
    reqtype: &'static str,
    name: &'static str,
    value: Option<&str>,
    check: Check,
) -> Result<Request> {
    build(cfg, reqtype, &[Param::optional(name, value, check)], JSON)
}

/// What a PHONEBOOK request does (`subreqtype`) and its parameters.
#[derive(Clone, Copy)]
pub enum PhonebookAction<'a> {
    /// `query`: the entries whose `field` matches `value` (`%` for partial
    /// matches).
    Query {
        /// `field`: the field to search.
        field: &'a str,
        /// `value`: the value to search for.
        value: &'a str,
    },
    /// `add`: a `POST` of the form `values=<JSON object or array>`.
    Add {
        /// `values`: the entry or entries, as JSON text.
        values: &'a str,
    },
    /// `delete`: the entry `peid` (as a query returned it).
    Delete {
        /// `peid`: digits.
        peid: &'a str,
    },
    /// `cleanall`: every entry of the phonebook.
    Cleanall,
}

/// PHONEBOOK `phonebook`, `subreqtype`, then `field`, `value` (query) or
/// `peid` (delete); add is a `POST` of the form `values=<JSON>`.
pub fn phonebook_request(cfg: &Config, phonebook: &str, action: PhonebookAction<'_>) -> Result<Request> {
    use PhonebookAction as A;
    let (subreqtype, field, value, peid, tail) = match action {
        A::Query { field, value } => ("query", Some(field), Some(value), None, JSON),
        A::Add { values } => ("add", None, None, None, Tail::Form("values", values)),
        A::Delete { peid } => ("delete", None, None, Some(peid), JSON),
        A::Cleanall => ("cleanall", None, None, None, JSON),
    };
    let params = [
        Param::required("phonebook", phonebook, Text),
        Param::fixed("subreqtype", subreqtype),
        Param::optional("field", field, Token),
        Param::optional("value", value, Text),
        Param::optional("peid", peid, Digits),
    ];
    build(cfg, "PHONEBOOK", &params, tail)
}

/// An INFO request: `info=<info>` and its optional parameters.
#[derive(Clone, Copy)]
pub struct Info<'a> {
    /// The `info` value (`queues`, `call`, `recording`, ...).
    pub info: &'static str,
    /// `id`, when given.
    pub id: Option<&'a str>,
    /// What `id` must look like (digits for database ids).
    pub id_check: Check,
    /// `queue` (a queue id, digits), when given.
    pub queue: Option<&'a str>,
    /// `start` date/time, when given.
    pub start: Option<&'a str>,
    /// `end` date/time, when given.
    pub end: Option<&'a str>,
    /// JSON, or no `format` (binary answers, inforecording).
    pub answer: Answer,
}

impl Info<'_> {
    /// `info=<info>` alone, JSON asked; set the other fields with
    /// `Info { id: Some(..), ..Info::new("call") }`.
    pub fn new(info: &'static str) -> Info<'static> {
        Info { info, id: None, id_check: Token, queue: None, start: None, end: None, answer: Answer::Json }
    }
}

/// INFO `info`, then the optional `id`, `queue`, `start`, `end`.
pub fn info_request(cfg: &Config, info: &Info<'_>) -> Result<Request> {
    let params = [
        Param::fixed("info", info.info),
        Param::optional("id", info.id, info.id_check),
        Param::optional("queue", info.queue, Digits),
        Param::optional("start", info.start, Text),
        Param::optional("end", info.end, Text),
    ];
    build(cfg, "INFO", &params, info.answer.tail())
}

/// INFO cdrs; `format` as `filter.format` says (`json` by default).
pub fn info_cdrs_request(cfg: &Config, filter: &CdrFilter) -> Result<Request> {
    let params = [
        Param::fixed("info", "cdrs"),
        member!(filter.id, Token),
        member!(filter.uniqueid, Token),
        member!(filter.linkedid, Token),
        member!(filter.src, Token),
        member!(filter.firstdst, Token),
        member!(filter.direction, Token),
        member!(filter.phone, Token),
        member!(filter.template, Text),
        member!(filter.start, Text),
        member!(filter.end, Text),
    ];
    let format = match filter.format {
        None | Some(CdrFormat::Json) => "json",
        Some(CdrFormat::Csv) => "csv",
        Some(CdrFormat::Xml) => "xml",
    };
    build(cfg, "INFO", &params, Tail::Get(format))
}

/// INFO simplecdrs; `format` as `filter.format` says (`json` by default).
pub fn info_simplecdrs_request(cfg: &Config, filter: &SimplecdrFilter) -> Result<Request> {
    let params = [
        Param::fixed("info", "simplecdrs"),
        member!(filter.id, Token),
        member!(filter.uniqueid, Token),
        member!(filter.calleridnum, Token),
        member!(filter.calleridname, Text),
        member!(filter.disposition, Text),
        member!(filter.direction, Token),
        member!(filter.whoanswered, Token),
        member!(filter.phone, Token),
        member!(filter.start, Text),
        member!(filter.end, Text),
    ];
    let format = if filter.format == Some(SimplecdrFormat::Csv) { "csv" } else { "json" };
    build(cfg, "INFO", &params, Tail::Get(format))
}

/// A queue reference as `id_name=<id>` (digits) or `number_name=<number>`;
/// errors name `queue`.
fn queue_ref<'a>(id_name: &'static str, number_name: &'static str, queue: &'a QueueRef) -> Param<'a> {
    match queue {
        QueueRef::Id(id) => Param::required(id_name, id, Digits).named("queue"),
        QueueRef::Number(number) => Param::required(number_name, number, Token).named("queue"),
    }
}

/// AGENT `extension`, `queue`|`queuenumber`, `action`, `pausereason`.
pub fn agent_request(
    cfg: &Config,
    action: &'static str,
    extension: &str,
    queue: &QueueRef,
    pausereason: Option<&str>,
) -> Result<Request> {
    let params = [
        Param::required("extension", extension, Token),
        queue_ref("queue", "queuenumber", queue),
        Param::fixed("action", action),
        Param::optional("pausereason", pausereason, Text),
    ];
    build(cfg, "AGENT", &params, JSON)
}

/// An ATXTRANSFER or TRANSFER request.
#[derive(Clone, Copy)]
pub struct Transfer<'a> {
    /// `ATXTRANSFER` (attended) or `TRANSFER`.
    pub reqtype: &'static str,
    /// `channel`: the channel to transfer.
    pub channel: &'a str,
    /// `extrachannel` (TRANSFER), when given.
    pub extrachannel: Option<&'a str>,
    /// `dest`: where to.
    pub dest: &'a str,
}

/// ATXTRANSFER / TRANSFER `channel`, `extrachannel` (TRANSFER), `dest`.
pub fn transfer_request(cfg: &Config, transfer: &Transfer<'_>) -> Result<Request> {
    let params = [
        Param::required("channel", transfer.channel, Token),
        Param::optional("extrachannel", transfer.extrachannel, Token),
        Param::required("dest", transfer.dest, Token),
    ];
    build(cfg, transfer.reqtype, &params, JSON)
}

/// CAMPAIGN `campaign`, `action`, `number`, `numberdescription`.
pub fn campaign_request(
    cfg: &Config,
    action: &'static str,
    campaign: &str,
    number: Option<&str>,
    description: Option<&str>,
) -> Result<Request> {
    let params = [
        Param::required("campaign", campaign, Digits),
        Param::fixed("action", action),
        Param::optional("number", number, Token),
        Param::optional("numberdescription", description, Text),
    ];
    build(cfg, "CAMPAIGN", &params, JSON)
}

/// DIAL: `source`, `dest`, then every option given, in the page's order.
pub fn dial_request(cfg: &Config, req: &DialRequest) -> Result<Request> {
    let dial_timeout = req.dial_timeout.map(|n| n.to_string());
    let timeout = req.timeout.map(|n| n.to_string());
    let recording = req.recording.map(|mode| match mode {
        RecordingMode::Yes => "yes",
        RecordingMode::No => "no",
        RecordingMode::Yeschange => "yeschange",
        RecordingMode::Nochange => "nochange",
    });
    let params = [
        member!(req.source, Token),
        member!(req.dest, Token),
        member!(req.var, Text),
        member!(req.account, Text),
        Param::optional("dialtimeout", dial_timeout.as_deref(), Fixed),
        Param::optional("timeout", timeout.as_deref(), Fixed),
        Param::optional("sourceclid", req.source_clid.as_deref(), Text).named("req.source-clid"),
        Param::optional("destclid", req.dest_clid.as_deref(), Text).named("req.dest-clid"),
        Param::optional("recording", recording, Fixed),
        member!(req.server, Token),
        Param::flag("autoanswer", req.auto_answer, "yes"),
        Param::flag("nofollow", req.no_follow, "yes"),
    ];
    build(cfg, "DIAL", &params, JSON)
}

/// FAX send: the parameters in the query, the PDF as the multipart file
/// field `filename` (`fax.pdf`, `application/pdf`).
pub fn fax_send_request(cfg: &Config, req: &FaxRequest) -> Result<Request> {
    let quality = req.quality.map(|quality| match quality {
        FaxQuality::Normal => "204x98",
        FaxQuality::Fine => "204x196",
        FaxQuality::Superfine => "204x392",
    });
    let page_size = req.page_size.map(|size| match size {
        FaxPageSize::A4 => "a4",
        FaxPageSize::Letter => "letter",
        FaxPageSize::Legal => "legal",
    });
    let rotate = req.rotate.map(|rotate| match rotate {
        FaxRotate::Auto => "",
        FaxRotate::East => "E",
        FaxRotate::West => "W",
        FaxRotate::No => "no",
    });
    let params = [
        Param::fixed("action", "send"),
        Param::required("source_number", &req.source_number, Token).named("req.source-number"),
        Param::required("dest_number", &req.dest_number, Token).named("req.dest-number"),
        Param::optional("quality", quality, Fixed),
        Param::optional("pagesize", page_size, Fixed),
        Param::optional("rotate", rotate, Fixed),
        Param::flag("deleteaftersend", req.delete_after_send, "on"),
        member!(req.schedule, Text),
        Param::optional("statusemail", req.status_email.as_deref(), Token).named("req.status-email"),
    ];
    validate::non_empty_bytes("req.pdf", &req.pdf)?;
    build(cfg, "FAX", &params, Tail::File("fax.pdf", "application/pdf", &req.pdf))
}

/// A HANGUP request: the channel, the extension, or both.
#[derive(Clone, Copy)]
pub struct Hangup<'a> {
    /// `channel`: the channel to hang up.
    pub channel: Option<&'a str>,
    /// `extension`: the extension to hang up, like `103-DEVEL`.
    pub extension: Option<&'a str>,
    /// `fast=yes` (the faster channel lookup) when `Some(true)`.
    pub fast: Option<bool>,
}

/// HANGUP `channel`, `extension`, `fast=yes`; at least one of `channel` and
/// `extension` (the page marks `extension` optional and gives it its own
/// meaning, "extension to hangup, like 103-DEVEL", so it may stand alone).
pub fn hangup_request(cfg: &Config, hangup: &Hangup<'_>) -> Result<Request> {
    let given = hangup.channel.is_some() || hangup.extension.is_some();
    validate::any_given("channel", given, "give channel, extension, or both")?;
    let params = [
        Param::optional("channel", hangup.channel, Token),
        Param::optional("extension", hangup.extension, Token),
        Param::flag("fast", hangup.fast, "yes"),
    ];
    build(cfg, "HANGUP", &params, JSON)
}

/// MEDIAFILE getaudio `objectid` (binary: no `format`).
pub fn mediafile_getaudio_request(cfg: &Config, objectid: &str) -> Result<Request> {
    let params = [Param::fixed("action", "getaudio"), Param::required("objectid", objectid, Digits)];
    build(cfg, "MEDIAFILE", &params, Tail::Raw)
}

/// The QUEUE `type` value.
fn agent_type(agent_type: AgentType) -> &'static str {
    match agent_type {
        AgentType::Nf => "NF",
        AgentType::Ad => "AD",
        AgentType::Nfr => "NFR",
        AgentType::Adr => "ADR",
        AgentType::Ea => "EA",
        AgentType::Eanm => "EANM",
        AgentType::Eac => "EAC",
        AgentType::Eanmc => "EANMC",
        AgentType::Cu => "CU",
        AgentType::Cunm => "CUNM",
        AgentType::Cc => "CC",
        AgentType::Cuff => "CUFF",
    }
}

/// A QUEUE request other than `log`.
#[derive(Clone, Copy)]
pub struct Queue<'a> {
    /// `action`: list, fulllist, add, del, clean.
    pub action: &'static str,
    /// `id` or `number`.
    pub queue: &'a QueueRef,
    /// `extension` (add, del), when given.
    pub extension: Option<&'a str>,
    /// `order` (add), when given.
    pub order: Option<u32>,
    /// `type` (add), when given.
    pub agent_type: Option<AgentType>,
}

impl<'a> Queue<'a> {
    /// `action` on `queue` with no other parameter.
    pub fn new(action: &'static str, queue: &'a QueueRef) -> Queue<'a> {
        Queue { action, queue, extension: None, order: None, agent_type: None }
    }
}

/// QUEUE list, fulllist, add, del, clean: `number`|`id`, `extension`,
/// `action`, `order`, `type`.
pub fn queue_request(cfg: &Config, queue: &Queue<'_>) -> Result<Request> {
    let order = queue.order.map(|n| n.to_string());
    let params = [
        queue_ref("id", "number", queue.queue),
        Param::optional("extension", queue.extension, Token),
        Param::fixed("action", queue.action),
        Param::optional("order", order.as_deref(), Fixed),
        Param::optional("type", queue.agent_type.map(agent_type), Fixed),
    ];
    build(cfg, "QUEUE", &params, JSON)
}

/// QUEUE log: `number`|`id`, `uniqid`, `extension`, `action=log`, `event`,
/// `data1`..`data5`.
pub fn queue_log_request(cfg: &Config, queue: &QueueRef, entry: &QueueLogEntry) -> Result<Request> {
    let params = [
        queue_ref("id", "number", queue),
        member!(entry.uniqid, Token),
        member!(entry.extension, Token),
        Param::fixed("action", "log"),
        member!(entry.event, Text),
        member!(entry.data1, Text),
        member!(entry.data2, Text),
        member!(entry.data3, Text),
        member!(entry.data4, Text),
        member!(entry.data5, Text),
    ];
    build(cfg, "QUEUE", &params, JSON)
}

/// A RESPONSEPATH request.
#[derive(Clone, Copy)]
pub struct Responsepath<'a> {
    /// `action`: list, getid, getlast.
    pub action: &'static str,
    /// `id`: the response path's id (digits).
    pub id: &'a str,
    /// `rrid` (getid), when given.
    pub rrid: Option<&'a str>,
    /// `filter`, when given.
    pub filter: Option<ResponsepathFilter>,
    /// `filterdata`, when given.
    pub filterdata: Option<&'a str>,
}

/// RESPONSEPATH `id`, `rrid`, `filter`, `filterdata`, `action`.
pub fn responsepath_request(cfg: &Config, path: &Responsepath<'_>) -> Result<Request> {
    let filter = path.filter.map(|filter| match filter {
        ResponsepathFilter::Queue => "queue",
        ResponsepathFilter::Answer => "answer",
        ResponsepathFilter::Uniqueid => "uniqueid",
    });
    let params = [
        Param::required("id", path.id, Digits),
        Param::optional("rrid", path.rrid, Token),
        Param::optional("filter", filter, Fixed),
        Param::optional("filterdata", path.filterdata, Text),
        Param::fixed("action", path.action),
    ];
    build(cfg, "RESPONSEPATH", &params, JSON)
}

/// SETFLOW `number`, `state`, `value`.
pub fn set_flow_request(cfg: &Config, number: &str, state: Option<FlowState>, value: Option<&str>) -> Result<Request> {
    let state = state.map(|state| match state {
        FlowState::Inuse => "INUSE",
        FlowState::NotInuse => "NOT_INUSE",
        FlowState::Unavailable => "UNAVAILABLE",
        FlowState::Ringing => "RINGING",
    });
    let params = [
        Param::required("number", number, Token),
        Param::optional("state", state, Fixed),
        Param::optional("value", value, Text),
    ];
    build(cfg, "SETFLOW", &params, JSON)
}

/// SMS `dest`, `destclid`, `server`, `message`.
pub fn sms_request(
    cfg: &Config,
    dest: &str,
    message: &str,
    destclid: Option<&str>,
    server: Option<&str>,
) -> Result<Request> {
    let params = [
        Param::required("dest", dest, Token),
        Param::optional("destclid", destclid, Text),
        Param::optional("server", server, Token),
        Param::required("message", message, Text),
    ];
    build(cfg, "SMS", &params, JSON)
}

/// VIRTUALEXT `number`, `extension`, `action`.
pub fn virtualext_request(
    cfg: &Config,
    action: &'static str,
    number: &str,
    extension: Option<&str>,
) -> Result<Request> {
    let params = [
        Param::required("number", number, Token),
        Param::optional("extension", extension, Token),
        Param::fixed("action", action),
    ];
    build(cfg, "VIRTUALEXT", &params, JSON)
}

/// A VOICEMAIL request.
#[derive(Clone, Copy)]
pub struct Voicemail<'a> {
    /// `action`: list, messages, message, delete.
    pub action: &'static str,
    /// `mailbox`, when given.
    pub mailbox: Option<&'a str>,
    /// `msgid`, when given.
    pub msgid: Option<&'a str>,
    /// JSON, or no `format` (the message audio).
    pub answer: Answer,
}

/// VOICEMAIL `mailbox`, `msgid`, `action`.
pub fn voicemail_request(cfg: &Config, voicemail: &Voicemail<'_>) -> Result<Request> {
    let params = [
        Param::optional("mailbox", voicemail.mailbox, Token),
        Param::optional("msgid", voicemail.msgid, Token),
        Param::fixed("action", voicemail.action),
    ];
    build(cfg, "VOICEMAIL", &params, voicemail.answer.tail())
}

/// The MANAGEDB `object` value.
pub fn object_name(object: ManagedbObject) -> &'static str {
    match object {
        ManagedbObject::Tenant => "tenant",
        ManagedbObject::Custom => "custom",
        ManagedbObject::Customtype => "customtype",
        ManagedbObject::Phone => "phone",
        ManagedbObject::Mediafile => "mediafile",
        ManagedbObject::Huntlist => "huntlist",
        ManagedbObject::Extension => "extension",
        ManagedbObject::Provider => "provider",
        ManagedbObject::Did => "did",
        ManagedbObject::User => "user",
        ManagedbObject::Conference => "conference",
        ManagedbObject::Routingprofile => "routingprofile",
        ManagedbObject::Route => "route",
        ManagedbObject::Destination => "destination",
    }
}

/// The `object` value for a generic action, refusing what the page rules
/// out: huntlist and destination only list (and their own actions); delete
/// exists for user, conference, provider and route only.
pub fn object_for(object: ManagedbObject, action: &'static str) -> Result<&'static str> {
    use ManagedbObject as O;
    let allowed = match action {
        "list" => true,
        "delete" => matches!(object, O::User | O::Conference | O::Provider | O::Route),
        _ => !matches!(object, O::Huntlist | O::Destination),
    };
    if !allowed {
        return Err(invalid("object", "this object has no such MANAGEDB action"));
    }
    Ok(object_name(object))
}

/// MANAGEDB parameters besides `object` and `action`.
#[derive(Clone, Copy, Default)]
pub struct Db<'a> {
    /// `routingprofileid` (list of routes).
    pub routingprofileid: Option<&'a str>,
    /// `typesrc` (destination).
    pub typesrc: Option<&'a str>,
    /// `typeidsrc` (destination).
    pub typeidsrc: Option<&'a str>,
    /// `objectid`.
    pub objectid: Option<&'a str>,
    /// `tenantid` (user addtenant / deltenant).
    pub tenantid: Option<&'a str>,
}

impl Db<'_> {
    /// Only `objectid`.
    pub fn object(objectid: &str) -> Db<'_> {
        Db { objectid: Some(objectid), ..Db::default() }
    }
}

/// MANAGEDB `object`, `routingprofileid`, `typesrc`, `typeidsrc`, `action`,
/// `objectid`, `tenantid`, in the page's order, ended by `tail`.
pub fn managedb_request(
    cfg: &Config,
    object: &'static str,
    action: &'static str,
    db: Db<'_>,
    tail: Tail<'_>,
) -> Result<Request> {
    let params = [
        Param::fixed("object", object),
        Param::optional("routingprofileid", db.routingprofileid, Digits),
        Param::optional("typesrc", db.typesrc, Token),
        Param::optional("typeidsrc", db.typeidsrc, Token),
        Param::fixed("action", action),
        Param::optional("objectid", db.objectid, Digits),
        Param::optional("tenantid", db.tenantid, Digits),
    ];
    build(cfg, "MANAGEDB", &params, tail)
}

/// MANAGEDB mediafile updatebinary: multipart file field `filename`.
pub fn managedb_updatebinary_request(cfg: &Config, objectid: &str, file_name: &str, file: &Media) -> Result<Request> {
    validate::file_name("file-name", file_name)?;
    validate::token("file.content-type", &file.content_type)?;
    validate::non_empty_bytes("file.data", &file.data)?;
    let tail = Tail::File(file_name, &file.content_type, &file.data);
    managedb_request(cfg, "mediafile", "updatebinary", Db::object(objectid), tail)
}

/// CHECKAUTH / GETWEBRTCAUTH `username`, `password`.
pub fn auth_request(cfg: &Config, reqtype: &'static str, username: &str, password: &str) -> Result<Request> {
    validate::secret_len("password", password)?;
    let params = [Param::required("username", username, Token), Param::required("password", password, Text)];
    build(cfg, reqtype, &params, JSON)
}

/// INFO with `id` (checked with `id_check`), answered as `answer` says.
pub fn info_id(cfg: &Config, info: &'static str, id: &str, id_check: Check, answer: Answer) -> Result<Request> {
    info_request(cfg, &Info { id: Some(id), id_check, answer, ..Info::new(info) })
}

/// INFO with no parameter, JSON asked.
pub fn info_plain(cfg: &Config, info: &'static str) -> Result<Request> {
    info_request(cfg, &Info::new(info))
}

/// INFO with the optional `queue`, `start`, `end`, JSON asked.
pub fn info_range(
    cfg: &Config,
    info: &'static str,
    queue: Option<String>,
    start: Option<String>,
    end: Option<String>,
) -> Result<Request> {
    let range = Info { queue: queue.as_deref(), start: start.as_deref(), end: end.as_deref(), ..Info::new(info) };
    info_request(cfg, &range)
}

/// A MANAGEDB request on the `object` of a generic action (list, get, add,
/// update, delete), refused for objects the page gives no such action.
pub fn managedb_generic(
    cfg: &Config,
    object: ManagedbObject,
    action: &'static str,
    db: Db<'_>,
    tail: Tail<'_>,
) -> Result<Request> {
    object_for(object, action).and_then(|object| managedb_request(cfg, object, action, db, tail))
}

/// CAMPAIGN start, stop, pause, resume: the campaign alone.
pub fn campaign_action(cfg: &Config, action: &'static str, campaign: &str) -> Result<Request> {
    campaign_request(cfg, action, campaign, None, None)
}
