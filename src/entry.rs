//! The app's two entry points, built apart so that the status page, which
//! most readers want during an outage, does not carry the history pages'
//! code: `index.html` shows the status, `history/index.html` the history
//! and incident pages. Trunk cannot split one wasm file, so each is its own
//! binary of this library; a link between them is an ordinary page load.

use std::cell::Cell;

use crate::route::Route;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `index.html`: the status page.
    Status,
    /// `history/index.html`: the history and the incident pages.
    History,
}

thread_local! {
    static HERE: Cell<Entry> = const { Cell::new(Entry::Status) };
}

/// Records which entry point is running; called once at start.
pub fn set(entry: Entry) {
    HERE.with(|here| here.set(entry));
}

/// The entry point that is running.
pub fn here() -> Entry {
    HERE.with(Cell::get)
}

impl Entry {
    /// The entry point that shows `route`.
    pub fn of(route: &Route) -> Entry {
        match route {
            Route::Status => Entry::Status,
            Route::History(_) | Route::Incident(_) => Entry::History,
        }
    }

    /// How a link from this entry point reaches `fragment` (a route's
    /// `#/…`) shown by `to`.
    pub fn link(self, to: Entry, fragment: &str) -> String {
        match (self, to) {
            (Entry::Status, Entry::History) => format!("history/{fragment}"),
            (Entry::History, Entry::Status) => format!("../{fragment}"),
            _ => fragment.to_owned(),
        }
    }

    /// Where the page's config and offline worker are, beside `index.html`.
    pub fn root(self) -> &'static str {
        match self {
            Entry::Status => "",
            Entry::History => "../",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_cross_between_the_entry_points() {
        let history = Entry::of(&Route::Incident("fire".into()));
        assert_eq!(history, Entry::History);
        assert_eq!(Entry::of(&Route::Status), Entry::Status);
        assert_eq!(
            Entry::Status.link(Entry::History, "#/history"),
            "history/#/history"
        );
        assert_eq!(Entry::History.link(Entry::Status, "#/"), "../#/");
        assert_eq!(
            Entry::History.link(Entry::History, "#/history"),
            "#/history"
        );
        assert_eq!(Entry::Status.link(Entry::Status, "#/"), "#/");
    }
}
