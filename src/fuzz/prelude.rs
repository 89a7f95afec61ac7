//! What every fuzz file names from the crate, the bindings and std (a
//! leaf: the files import it and each other, never the facade).

pub(super) use crate::bindings::exports::telephony::pbx::telephony::{self, Account, CallLogQuery, RingostatAccount};
pub(super) use crate::bindings::exports::telephony::pbx::{ringme, ringostat, tring};
pub(super) use crate::http::{Request, Response, TEST_ANSWER};
pub(super) use crate::{Component, Error};
pub(super) use ringme::{CallHistoryQuery, CallbackRequest, ClientField, ClientUpdate};
pub(super) use ringostat::{CallDirection, CallLogExportQuery, CallOrder, ExtendedCallbackRequest, PartyType};
pub(super) use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
pub(super) use tring::{
    AgentType, CdrFilter, CdrFormat, DialRequest, FaxPageSize, FaxQuality, FaxRequest, FaxRotate, FlowState,
    ManagedbObject, Media, QueueLogEntry, QueueRef, RecordingMode, ResponsepathFilter, SimplecdrFilter,
    SimplecdrFormat,
};
