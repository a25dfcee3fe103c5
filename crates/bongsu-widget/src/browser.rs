//! The widget's state and its polling loop. Everything it shows comes from
//! [`bongsu_widget::view`]; this module only gathers what that needs.

use std::cell::RefCell;
use std::rc::Rc;

use bongsu_core::keys::MAX_KEY_CHAIN_BYTES;
use bongsu_core::probe::{verify_observation, Observation, MAX_OBSERVATION_BYTES};
use bongsu_core::{
    check_content_type, freshness, parse_chain_file, AppConfig, Freshness, KeyChain, MAX_FEED_BYTES,
};
use bongsu_web::fetch::{controller, fetch_bytes, Fetched};
use bongsu_web::signature_checks::checked;
use bongsu_web::{clock, config_loader, last_good, offline_shell, saved_keys};
use bongsu_widget::options::Options;
use bongsu_widget::selection::{decide, OnShow};
use bongsu_widget::view::{announce, announcement, render, Announce, Known, Probes, Shown};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::AbortController;

/// The page's config, one level up: the widget is served from `embed/`.
const CONFIG_URL: &str = "../config.json";

struct Widget {
    options: Options,
    config: Option<AppConfig>,
    settings_failed: bool,
    keys: Option<KeyChain>,
    /// The feed on show, its note, and whether it came from this device's
    /// storage without a region confirming it yet.
    shown: Option<OnShow>,
    /// Two genuine copies with one sequence number were served: the box
    /// says so for the rest of the page's life, as the page does.
    conflict: bool,
    /// What each region last served, kept to verify again when keys arrive.
    served: Vec<Option<Fetched>>,
    /// Whether each region's latest feed request was answered.
    answered: Vec<Option<bool>>,
    /// Each region's newest probe observation verified under the keys
    /// trusted now (dropped when they change, as the page does).
    observations: Vec<Option<Observation>>,
    /// The last settled announcement; see [`announce`].
    announced: Option<String>,
    /// Bumped by every poll; an older poll's answers do not count regions.
    generation: u64,
    /// The current poll's requests, aborted when the next poll starts.
    requests: Vec<AbortController>,
    /// How many of the current poll's requests (key chains and feeds) have
    /// not finished. Until they all have, "no region served a verified
    /// status" would be premature: the keys to verify a served feed may
    /// still be on their way.
    pending: usize,
}

type Shared = Rc<RefCell<Widget>>;

pub fn start() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let query = window.location().search().unwrap_or_default();
    let language = window.navigator().language().unwrap_or_default();
    let options = Options::from_query(&query, &language);
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", options.language.tag());
    }
    bongsu_web::theme::set_on_document(options.theme);
    offline_shell::register("sw.js?config=../config.json");
    let widget = Rc::new(RefCell::new(Widget {
        options,
        config: None,
        settings_failed: false,
        keys: None,
        shown: None,
        conflict: false,
        served: Vec::new(),
        answered: Vec::new(),
        observations: Vec::new(),
        announced: None,
        generation: 0,
        requests: Vec::new(),
        pending: 0,
    }));
    show(&widget);
    spawn_local(run(widget));
}

async fn run(widget: Shared) {
    let config = match config_loader::load_config(CONFIG_URL).await {
        Ok(config) => config,
        Err(_) => {
            widget.borrow_mut().settings_failed = true;
            show(&widget);
            return;
        }
    };
    let keys = saved_keys::load(&config).await;
    let kept = last_good::load(&config.feed, &keys).await;
    {
        let mut w = widget.borrow_mut();
        w.shown = kept.map(|(feed, note)| OnShow {
            feed,
            note,
            from_device: true,
        });
        w.keys = Some(keys);
        w.served = vec![None; config.regions.len()];
        w.answered = vec![None; config.regions.len()];
        w.observations = vec![None; config.regions.len()];
        w.config = Some(config.clone());
    }
    show(&widget);
    loop {
        poll(&widget, &config);
        sleep_ms(config.refresh_seconds.saturating_mul(1000)).await;
    }
}

/// Asks every region for its key chain and its feed, all at once; each
/// answer is taken in as it arrives.
fn poll(widget: &Shared, config: &AppConfig) {
    let generation = {
        let mut w = widget.borrow_mut();
        w.requests.drain(..).for_each(|r| r.abort());
        w.generation += 1;
        w.pending = 0;
        w.generation
    };
    for (index, region) in config.regions.iter().enumerate() {
        let timeout = config.timeout_ms;
        let (Some(keys_request), Some(feed_request), Some(probe_request)) =
            (controller(), controller(), controller())
        else {
            continue;
        };
        {
            let mut w = widget.borrow_mut();
            w.requests.extend([
                keys_request.clone(),
                feed_request.clone(),
                probe_request.clone(),
            ]);
            w.pending += 2;
        }
        {
            // Not counted in `pending`: a region without a probe must not
            // hold back "no region served a verified status".
            let (widget, url, id) = (widget.clone(), region.probe_url(), region.id.clone());
            spawn_local(async move {
                let Ok(fetched) =
                    fetch_bytes(&url, timeout, MAX_OBSERVATION_BYTES, &probe_request).await
                else {
                    return;
                };
                if check_content_type(fetched.content_type.as_deref()).is_err() {
                    return;
                }
                let verified = checked(|| {
                    let w = widget.borrow();
                    let key_set = w.keys.as_ref()?.current(clock::now()).ok()?;
                    verify_observation(&fetched.bytes, key_set, &id).ok()
                })
                .await;
                if let Some(observation) = verified {
                    keep_observation(&widget, index, observation);
                    show(&widget);
                }
            });
        }
        {
            let request = keys_request;
            let (widget, url) = (widget.clone(), region.keys_url());
            spawn_local(async move {
                if let Ok(fetched) = fetch_bytes(&url, timeout, MAX_KEY_CHAIN_BYTES, &request).await
                {
                    learn_keys(&widget, &fetched.bytes).await;
                }
                if finished(&widget, generation) {
                    show(&widget);
                }
            });
        }
        {
            let request = feed_request;
            let (widget, url) = (widget.clone(), region.feed_url());
            spawn_local(async move {
                let result = fetch_bytes(&url, timeout, MAX_FEED_BYTES, &request).await;
                {
                    let mut w = widget.borrow_mut();
                    // A newer feed is worth showing whichever poll fetched
                    // it; only the current poll says who answered.
                    if w.generation == generation {
                        if let Some(slot) = w.answered.get_mut(index) {
                            *slot = Some(result.is_ok());
                        }
                    }
                    if let (Some(slot), Ok(fetched)) = (w.served.get_mut(index), result) {
                        *slot = Some(fetched);
                    }
                }
                finished(&widget, generation);
                reconsider(&widget).await;
            });
        }
    }
}

/// Keeps a region's observation if it is newer than the one kept (an older
/// one served again is a replay and changes nothing).
fn keep_observation(widget: &Shared, index: usize, observation: Observation) {
    let mut w = widget.borrow_mut();
    if let Some(slot) = w.observations.get_mut(index) {
        if slot.as_ref().is_none_or(|kept| kept.seq < observation.seq) {
            *slot = Some(observation);
        }
    }
}

/// Counts one of poll `generation`'s requests as finished; true when it was
/// the current poll's last.
fn finished(widget: &Shared, generation: u64) -> bool {
    let mut w = widget.borrow_mut();
    if w.generation != generation {
        return false;
    }
    w.pending = w.pending.saturating_sub(1);
    w.pending == 0
}

/// Extends the trusted key chain with a region's chain file (a forged or
/// broken one adds nothing) and re-verifies what the regions served.
async fn learn_keys(widget: &Shared, bytes: &[u8]) {
    let Ok(notes) = parse_chain_file(bytes) else {
        return;
    };
    let grown = checked(|| {
        let mut keys = widget.borrow().keys.clone()?;
        let before = keys.trusted().len();
        let _ = keys.extend(&notes);
        (keys.trusted().len() > before).then_some(keys)
    })
    .await;
    let Some(grown) = grown else {
        return;
    };
    {
        let mut w = widget.borrow_mut();
        if let Some(config) = &w.config {
            saved_keys::save(&config.feed, &grown);
        }
        w.keys = Some(grown);
        // Observations verified under the old keys no longer count.
        let regions = w.observations.len();
        w.observations = vec![None; regions];
    }
    reconsider(widget).await;
}

/// Verifies everything served against the keys trusted now and shows what
/// the protocol's rules choose ([`decide`]): a newer genuine feed, the
/// majority of two copies with one number, and nothing signed by a key no
/// longer trusted.
async fn reconsider(widget: &Shared) {
    let decision = checked(|| {
        let w = widget.borrow();
        let keys = w.keys.as_ref()?;
        Some(decide(w.shown.as_ref(), &w.served, keys, clock::now()))
    })
    .await;
    if let Some(decision) = decision {
        let mut w = widget.borrow_mut();
        if let (true, Some(shown)) = (decision.replaced, &decision.shown) {
            last_good::save(&shown.feed.feed, &shown.note);
        }
        w.shown = decision.shown;
        w.conflict |= decision.conflict;
    }
    show(widget);
}

/// Renders what is known into the page and announces a changed headline.
fn show(widget: &Shared) {
    let mut w = widget.borrow_mut();
    let words = w.options.language.words();
    let observations: Vec<Observation> = w.observations.iter().flatten().cloned().collect();
    let known = if w.settings_failed {
        Known::NoSettings
    } else if let Some(shown) = &w.shown {
        Known::Status(Shown {
            feed: &shown.feed,
            from_device: shown.from_device,
            conflict: w.conflict,
            expired: matches!(
                freshness(&shown.feed, clock::now()),
                Freshness::Expired { .. }
            ),
            answered: w.answered.iter().filter(|a| **a == Some(true)).count(),
            total: w.answered.len(),
            probes: Probes {
                observations: &observations,
                now: clock::now(),
                grace: time::Duration::seconds(i64::from(
                    w.config
                        .as_ref()
                        .map_or(0, |c| c.disagreement_grace_seconds),
                )),
                probing: w
                    .keys
                    .as_ref()
                    .and_then(KeyChain::latest)
                    .map_or(0, |ks| ks.roles.probes.len()),
            },
        })
    } else if w.pending == 0 && !w.answered.is_empty() && w.answered.iter().all(Option::is_some) {
        Known::NoStatus
    } else {
        Known::Asking
    };
    let title = w.config.as_ref().map_or("", |c| c.title.as_str());
    let html = render(title, &known, &w.options, words);
    let said = announcement(&known, &w.options, words);
    let Some(document) = web_sys::window().and_then(|win| win.document()) else {
        return;
    };
    if let Some(main) = document.get_element_by_id("widget") {
        main.set_inner_html(&html);
    }
    match announce(w.announced.as_deref(), &known, said) {
        Announce::Nothing => {}
        Announce::Settle(said) => w.announced = Some(said),
        Announce::Speak(said) => {
            if let Some(live) = document.get_element_by_id("announce") {
                live.set_text_content(Some(&said));
            }
            w.announced = Some(said);
        }
    }
}

async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}
