//! The drive tables: every exported function of the four interfaces (103),
//! each called with random arguments ([`call!`]).

use super::gen::*;
use super::prelude::*;

/// Calls an export with random arguments (`_`), mapping its result to `()`.
macro_rules! call {
    ($g:ident, $t:ident :: $f:ident ( $c:ident $(, $x:tt)* )) => {{
        let _ = &$g;
        <Component as $t>::$f($c $(, call!(@arg $g $x))*).map(drop)
    }};
    (@arg $g:ident _) => {
        $g.arb()
    };
}

pub type Call<C> = (&'static str, fn(&mut Gen, C) -> Result<(), Error>);

use ringme::Guest as M;
use ringostat::Guest as R;
use telephony::Guest as P;
use tring::Guest as T;

pub const RINGOSTAT: &[Call<ringostat::Config>] = &[
    ("sip_online", |_, c| <Component as R>::sip_online(c).map(drop)),
    ("smart_phone_online", |g, c| {
        let (project, token, dnd) = (g.arb(), g.secret(), g.arb());
        <Component as R>::smart_phone_online(c, project, token, dnd).map(drop)
    }),
    ("sip_speaking", |_, c| <Component as R>::sip_speaking(c).map(drop)),
    ("simple_callback", |g, c| call!(g, R::simple_callback(c, _, _))),
    ("extended_callback", |g, c| call!(g, R::extended_callback(c, _))),
    ("call_log_export", |g, c| call!(g, R::call_log_export(c, _))),
];

pub const RINGME: &[Call<ringme::Config>] = &[
    ("get_token", |_, c| <Component as M>::get_token(c).map(drop)),
    ("client_info", |g, c| call!(g, M::client_info(c, _))),
    ("update_client", |g, c| call!(g, M::update_client(c, _, _))),
    ("extensions", |g, c| call!(g, M::extensions(c, _, _, _))),
    ("click_to_call", |g, c| call!(g, M::click_to_call(c, _, _))),
    ("call_history", |g, c| call!(g, M::call_history(c, _, _))),
];

pub const TRING: &[Call<tring::Config>] = &[
    ("count_peers", |g, c| call!(g, T::count_peers(c))),
    ("count_channels", |g, c| call!(g, T::count_channels(c, _))),
    ("count_calls", |g, c| call!(g, T::count_calls(c))),
    ("peers", |g, c| call!(g, T::peers(c))),
    ("blfs", |g, c| call!(g, T::blfs(c))),
    ("flows", |g, c| call!(g, T::flows(c))),
    ("channel", |g, c| call!(g, T::channel(c, _))),
    ("channels", |g, c| call!(g, T::channels(c))),
    ("phonebook_query", |g, c| call!(g, T::phonebook_query(c, _, _, _))),
    ("phonebook_add", |g, c| call!(g, T::phonebook_add(c, _, _))),
    ("phonebook_delete", |g, c| call!(g, T::phonebook_delete(c, _, _))),
    ("phonebook_cleanall", |g, c| call!(g, T::phonebook_cleanall(c, _))),
    ("info_queues", |g, c| call!(g, T::info_queues(c))),
    ("info_queue", |g, c| call!(g, T::info_queue(c, _))),
    ("info_agents", |g, c| call!(g, T::info_agents(c, _))),
    ("info_agentsconnected", |g, c| call!(g, T::info_agentsconnected(c, _))),
    ("info_agentsdelay", |g, c| call!(g, T::info_agentsdelay(c, _))),
    ("info_outdialed", |g, c| call!(g, T::info_outdialed(c))),
    ("info_simpledialed", |g, c| call!(g, T::info_simpledialed(c))),
    ("info_call", |g, c| call!(g, T::info_call(c, _))),
    ("info_recording", |g, c| call!(g, T::info_recording(c, _))),
    ("recording", |g, c| call!(g, T::recording(c, _))),
    ("play_recording", |g, c| call!(g, T::play_recording(c, _))),
    ("info_voicemail", |g, c| call!(g, T::info_voicemail(c, _))),
    ("info_voicemailtranscript", |g, c| call!(g, T::info_voicemailtranscript(c, _))),
    ("info_dids", |g, c| call!(g, T::info_dids(c))),
    ("info_sms", |g, c| call!(g, T::info_sms(c, _, _))),
    ("info_extensions", |g, c| call!(g, T::info_extensions(c))),
    ("info_extstate", |g, c| call!(g, T::info_extstate(c))),
    ("info_config", |g, c| call!(g, T::info_config(c))),
    ("info_cdrs", |g, c| call!(g, T::info_cdrs(c, _))),
    ("info_simplecdrs", |g, c| call!(g, T::info_simplecdrs(c, _))),
    ("info_queuelogs", |g, c| call!(g, T::info_queuelogs(c, _, _, _))),
    ("info_balance", |g, c| call!(g, T::info_balance(c, _, _))),
    ("info_flow", |g, c| call!(g, T::info_flow(c, _))),
    ("info_variable", |g, c| call!(g, T::info_variable(c, _))),
    ("agent_pause", |g, c| call!(g, T::agent_pause(c, _, _, _))),
    ("agent_unpause", |g, c| call!(g, T::agent_unpause(c, _, _))),
    ("atx_transfer", |g, c| call!(g, T::atx_transfer(c, _, _))),
    ("dial", |g, c| call!(g, T::dial(c, _))),
    ("hangup", |g, c| call!(g, T::hangup(c, _, _, _))),
    ("transfer", |g, c| call!(g, T::transfer(c, _, _, _))),
    ("sms", |g, c| call!(g, T::sms(c, _, _, _, _))),
    ("campaign_start", |g, c| call!(g, T::campaign_start(c, _))),
    ("campaign_stop", |g, c| call!(g, T::campaign_stop(c, _))),
    ("campaign_pause", |g, c| call!(g, T::campaign_pause(c, _))),
    ("campaign_resume", |g, c| call!(g, T::campaign_resume(c, _))),
    ("campaign_addnumber", |g, c| call!(g, T::campaign_addnumber(c, _, _, _))),
    ("campaign_delnumber", |g, c| call!(g, T::campaign_delnumber(c, _, _))),
    ("fax_send", |g, c| call!(g, T::fax_send(c, _))),
    ("mediafile_getaudio", |g, c| call!(g, T::mediafile_getaudio(c, _))),
    ("queue_list", |g, c| call!(g, T::queue_list(c, _))),
    ("queue_fulllist", |g, c| call!(g, T::queue_fulllist(c, _))),
    ("queue_add", |g, c| call!(g, T::queue_add(c, _, _, _, _))),
    ("queue_del", |g, c| call!(g, T::queue_del(c, _, _))),
    ("queue_clean", |g, c| call!(g, T::queue_clean(c, _))),
    ("queue_log", |g, c| call!(g, T::queue_log(c, _, _))),
    ("queue_reset", |g, c| call!(g, T::queue_reset(c, _))),
    ("reboot", |g, c| call!(g, T::reboot(c, _))),
    ("unregister", |g, c| call!(g, T::unregister(c, _))),
    ("responsepath_list", |g, c| call!(g, T::responsepath_list(c, _, _, _))),
    ("responsepath_getid", |g, c| call!(g, T::responsepath_getid(c, _, _, _, _))),
    ("responsepath_getlast", |g, c| call!(g, T::responsepath_getlast(c, _, _, _))),
    ("set_flow", |g, c| call!(g, T::set_flow(c, _, _, _))),
    ("virtualext_list", |g, c| call!(g, T::virtualext_list(c, _))),
    ("virtualext_add", |g, c| call!(g, T::virtualext_add(c, _, _))),
    ("virtualext_del", |g, c| call!(g, T::virtualext_del(c, _, _))),
    ("virtualext_clean", |g, c| call!(g, T::virtualext_clean(c, _))),
    ("voicemail_list", |g, c| call!(g, T::voicemail_list(c, _))),
    ("voicemail_messages", |g, c| call!(g, T::voicemail_messages(c, _))),
    ("voicemail_message", |g, c| call!(g, T::voicemail_message(c, _, _))),
    ("voicemail_delete", |g, c| call!(g, T::voicemail_delete(c, _, _))),
    ("managedb_list", |g, c| call!(g, T::managedb_list(c, _, _, _, _))),
    ("managedb_get", |g, c| call!(g, T::managedb_get(c, _, _))),
    ("managedb_add", |g, c| call!(g, T::managedb_add(c, _, _))),
    ("managedb_update", |g, c| call!(g, T::managedb_update(c, _, _, _))),
    ("managedb_delete", |g, c| call!(g, T::managedb_delete(c, _, _))),
    ("managedb_getbinary", |g, c| call!(g, T::managedb_getbinary(c, _))),
    ("managedb_updatebinary", |g, c| call!(g, T::managedb_updatebinary(c, _, _, _))),
    ("managedb_getextensions", |g, c| call!(g, T::managedb_getextensions(c, _))),
    ("managedb_setextensions", |g, c| call!(g, T::managedb_setextensions(c, _, _))),
    ("managedb_listtenants", |g, c| call!(g, T::managedb_listtenants(c, _))),
    ("managedb_addtenant", |g, c| call!(g, T::managedb_addtenant(c, _, _))),
    ("managedb_deltenant", |g, c| call!(g, T::managedb_deltenant(c, _, _))),
    ("managedb_listroutes", |g, c| call!(g, T::managedb_listroutes(c, _))),
    ("managedb_replace", |g, c| call!(g, T::managedb_replace(c, _, _, _))),
    ("check_auth", |g, c| {
        let (u, p) = (g.arb(), g.secret());
        <Component as T>::check_auth(c, u, p).map(drop)
    }),
    ("get_webrtc_auth", |g, c| {
        let (u, p) = (g.arb(), g.secret());
        <Component as T>::get_webrtc_auth(c, u, p).map(drop)
    }),
];

pub const TELEPHONY: &[Call<Account>] = &[
    ("place_call", |g, a| call!(g, P::place_call(a, _, _))),
    ("agent_states", |g, a| call!(g, P::agent_states(a))),
    ("call_log", |g, a| call!(g, P::call_log(a, _))),
];
