//! The footer's links for tools: every region serves the page's status in
//! Atlassian Statuspage's public format and as Atom and RSS, signed by the
//! feed's key through a manifest (docs/protocol/statuspage.md). Listed per region,
//! since on the day any one of them may be gone.

use bongsu_core::statuspage::MANIFEST_PATH;
use bongsu_core::RegionConfig;
use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn ApiLinks(regions: Vec<RegionConfig>) -> impl IntoView {
    let i18n = use_i18n();
    let link = |region: &RegionConfig, file: &str| {
        let base = region.url.trim_end_matches('/');
        format!("{base}/{file}")
    };
    let rows = regions
        .iter()
        .map(|r| {
            view! {
                <li>
                    {r.name.clone()}": "
                    <a href=link(r, "api/v2/summary.json") data-testid="api-summary">"summary.json"</a>" · "
                    <a href=link(r, "history.atom")>"Atom"</a>" · "
                    <a href=link(r, "history.rss")>"RSS"</a>" · "
                    <a href=link(r, MANIFEST_PATH)>{t!(i18n, app.api_manifest)}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="api-links" data-testid="api-links">
            <p>{t!(i18n, app.api_intro)}</p>
            <ul>{rows}</ul>
        </section>
    }
}
