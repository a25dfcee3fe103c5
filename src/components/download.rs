//! A download link that builds its file only when clicked.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A link that builds its file only when clicked (exports of a large log
/// are megabytes), as a Blob URL the browser downloads.
#[component]
pub fn DownloadLink(
    #[prop(into)] label: Signal<String>,
    file: String,
    mime: &'static str,
    content: impl Fn() -> String + 'static,
    testid: &'static str,
) -> impl IntoView {
    // One body for every link, not one per export (each `content` is its
    // own type): 13 of them cost the history pages' build several KB.
    link(label, file, mime, Box::new(content), testid)
}

fn link(
    label: Signal<String>,
    file: String,
    mime: &'static str,
    content: Box<dyn Fn() -> String>,
    testid: &'static str,
) -> AnyView {
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(anchor) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&content()));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let url = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
            .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob));
        // The default action (the download) runs after this handler, with
        // the new href.
        match url {
            Ok(url) => {
                let _ = anchor.set_attribute("href", &url);
            }
            Err(_) => ev.prevent_default(),
        }
    };
    view! {
        <a href="#" download=file on:click=on_click data-testid=testid class="download">
            {label}
        </a>
    }
    .into_any()
}
