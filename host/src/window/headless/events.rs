//! Which listeners an injected UI event reaches, and what each receives.

use std::iter;

use ego_tree::NodeId;
use scraper::{ElementRef, Html};

use super::dom;
use super::keys::KeyFilter;
use super::{EventDetail, EventKind, UiEvent};

/// One event for each element from `target` up to the root whose `data-on`
/// lists `kind`, innermost first, carrying that element's value.
pub(super) fn bubble(html: &Html, target: NodeId, kind: EventKind) -> Vec<UiEvent> {
    bubble_with(html, target, kind, None)
}

/// [`bubble`] with a detail for each event. A key reaches only the
/// elements whose `data-keys` it matches (all of them without one).
pub(super) fn bubble_with(
    html: &Html,
    target: NodeId,
    kind: EventKind,
    detail: Option<EventDetail>,
) -> Vec<UiEvent> {
    path(html, target)
        .filter(|element| listens(*element, kind))
        .filter(|element| match &detail {
            Some(EventDetail::Key(key)) => keys_pass(*element, key),
            _ => true,
        })
        .map(|element| UiEvent {
            kind,
            target: element.value().id().unwrap_or_default().to_owned(),
            value: dom::value(element),
            fields: Vec::new(),
            detail: detail.clone(),
        })
        .collect()
}

/// Whether `key` passes the element's `data-keys` filter, as page.js
/// decides it: every key without one, none with one that does not parse.
fn keys_pass(element: ElementRef<'_>, key: &super::KeyInfo) -> bool {
    let Some(declared) = element.attr("data-keys") else {
        return true;
    };
    match KeyFilter::parse(declared) {
        Ok(filter) => filter.matches(key),
        Err(error) => {
            tracing::warn!(
                element = element.value().id().unwrap_or_default(),
                "data-keys {declared:?}: {error}; no key passes"
            );
            false
        }
    }
}

/// The `submit` events of `form`: bubbled from the form, each carrying its fields.
pub(super) fn submit(html: &Html, form: NodeId) -> Vec<UiEvent> {
    let fields = fields(html, form);
    bubble(html, form, EventKind::Submit)
        .into_iter()
        .map(|event| UiEvent {
            value: None,
            fields: fields.clone(),
            ..event
        })
        .collect()
}

/// The nearest `form` at or above `id`.
pub(super) fn form_of(html: &Html, id: NodeId) -> Option<NodeId> {
    path(html, id)
        .find(|element| element.value().name() == "form")
        .map(|form| form.id())
}

/// The form that clicking `id` submits, if `id` is a submit control in one.
pub(super) fn submitted_by(html: &Html, id: NodeId) -> Option<NodeId> {
    let control = dom::element(html, id)?;
    let kind = control.attr("type");
    let submits = match control.value().name() {
        "button" => kind.is_none_or(|kind| kind.eq_ignore_ascii_case("submit")),
        "input" => kind.is_some_and(|kind| kind.eq_ignore_ascii_case("submit")),
        _ => false,
    };
    if submits { form_of(html, id) } else { None }
}

/// The element `id` and its ancestors, innermost first.
fn path(html: &Html, id: NodeId) -> impl Iterator<Item = ElementRef<'_>> {
    html.tree
        .get(id)
        .into_iter()
        .flat_map(|node| iter::once(node).chain(node.ancestors()))
        .filter_map(ElementRef::wrap)
}

fn listens(element: ElementRef<'_>, kind: EventKind) -> bool {
    element.attr("data-on").is_some_and(|kinds| {
        kinds
            .split_ascii_whitespace()
            .any(|name| name == kind.name())
    })
}

/// The named controls of `form` in document order, as a browser would
/// submit them: unchecked checkboxes and radio buttons are left out.
fn fields(html: &Html, form: NodeId) -> Vec<(String, String)> {
    let Some(form) = dom::element(html, form) else {
        return Vec::new();
    };
    form.descendent_elements()
        .filter(|control| !is_unchecked(*control))
        .filter_map(|control| {
            let name = control.attr("name").filter(|name| !name.is_empty())?;
            Some((name.to_owned(), dom::value(control)?))
        })
        .collect()
}

fn is_unchecked(control: ElementRef<'_>) -> bool {
    control.value().name() == "input"
        && control.attr("type").is_some_and(dom::is_checkable)
        && control.attr("checked").is_none()
}
