//! What the page's inline scripts (`js/early.js`, `js/snapshot.js`, inlined
//! by the build hook `e2e/build/minify.mjs`) leave on `window` for the app.
//! A page built without one (the history pages have no snapshot) simply has
//! no such function.

use wasm_bindgen::JsCast;

/// `window[name]`, if it is a function.
pub fn function(name: &str) -> Option<js_sys::Function> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &name.into())
        .ok()?
        .dyn_into()
        .ok()
}
