//! Reading and editing a page's DOM tree the way the page script would.

use ego_tree::NodeId;
use html5ever::tendril::TendrilSink;
use html5ever::{Attribute, LocalName, QualName, ns};
use scraper::node::{Element, Text};
use scraper::{ElementRef, Html, HtmlTreeSink, Node, Selector};

use super::{DomFound, DomOp, DomRead, DomReadError};

/// The elements matching `selector`, in document order.
///
/// Walks from the root rather than using `Html::select`, which scans every
/// node ever allocated, including subtrees that `SetText`/`SetHtml` detached.
pub(super) fn matches(html: &Html, selector: &Selector) -> Vec<NodeId> {
    html.tree
        .root()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|element| selector.matches(element))
        .map(|element| element.id())
        .collect()
}

/// The element behind `id`, if it is one.
pub(super) fn element(html: &Html, id: NodeId) -> Option<ElementRef<'_>> {
    html.tree.get(id).and_then(ElementRef::wrap)
}

/// What `read` finds in the page, as `page.js` would: the first match's
/// value, attribute or text content, or how many match.
///
/// # Errors
/// [`DomReadError::BadSelector`] when the selector does not parse.
pub(super) fn read(html: &Html, read: &DomRead) -> Result<DomFound, DomReadError> {
    let selector = Selector::parse(read.selector())
        .map_err(|_| DomReadError::BadSelector(read.selector().to_owned()))?;
    let found = matches(html, &selector);
    let first = found.first().and_then(|id| element(html, *id));
    Ok(match read {
        DomRead::Count { .. } => DomFound::Count(u32::try_from(found.len()).unwrap_or(u32::MAX)),
        DomRead::Value { .. } => DomFound::Text(first.and_then(value)),
        DomRead::Attribute { name, .. } => DomFound::Text(
            // HTML attribute names are stored lowercase.
            first.and_then(|element| element.attr(&name.to_ascii_lowercase()).map(str::to_owned)),
        ),
        DomRead::Text { .. } => DomFound::Text(first.map(|element| element.text().collect())),
    })
}

/// Applies `op` to the element `id`.
pub(super) fn apply(html: &mut Html, id: NodeId, op: &DomOp) {
    match op {
        DomOp::SetText { text, .. } => set_text(html, id, text),
        DomOp::SetHtml { html: fragment, .. } => set_html(html, id, fragment),
        DomOp::SetAttribute { name, value, .. } => set_attribute(html, id, name, Some(value)),
        DomOp::RemoveAttribute { name, .. } => set_attribute(html, id, name, None),
        DomOp::AddClass { name, .. } => edit_classes(html, id, name, true),
        DomOp::RemoveClass { name, .. } => edit_classes(html, id, name, false),
        DomOp::SetValue { value, .. } => set_value(html, id, value),
    }
}

/// Replaces the children of `id` with one text node (none for empty text).
fn set_text(html: &mut Html, id: NodeId, text: &str) {
    remove_children(html, id);
    if text.is_empty() {
        return;
    }
    if let Some(mut node) = html.tree.get_mut(id) {
        node.append(Node::Text(Text { text: text.into() }));
    }
}

/// Replaces the children of `id` with `fragment` parsed in its context, so
/// that rows land in a `tbody` and options in a `select`.
fn set_html(html: &mut Html, id: NodeId, fragment: &str) {
    let Some(context) = element(html, id).map(|element| element.value().name.clone()) else {
        return;
    };
    let parsed = html5ever::parse_fragment(
        HtmlTreeSink::new(Html::new_fragment()),
        Default::default(),
        context,
        Vec::new(),
        false,
    )
    .one(fragment);
    remove_children(html, id);
    // html5ever puts the fragment's nodes under an `<html>` element below the
    // root; graft the parsed tree in and move that element's children over.
    let mut grafted = html.tree.extend_tree(parsed.tree);
    let wrapper = grafted
        .as_ref()
        .children()
        .find(|child| child.value().is_element())
        .map(|child| child.id());
    if let (Some(wrapper), Some(mut node)) = (wrapper, html.tree.get_mut(id)) {
        node.reparent_from_id_append(wrapper);
    }
}

/// Detaches the children of `id`. ego_tree never frees nodes, so they stay
/// in the page's arena, unreachable, until the window closes.
fn remove_children(html: &mut Html, id: NodeId) {
    let Some(mut node) = html.tree.get_mut(id) else {
        return;
    };
    while let Some(mut child) = node.first_child() {
        child.detach();
    }
}

/// Sets (`Some`) or removes (`None`) the attribute `name` of element `id`.
fn set_attribute(html: &mut Html, id: NodeId, name: &str, value: Option<&str>) {
    let Some(mut node) = html.tree.get_mut(id) else {
        return;
    };
    if let Node::Element(element) = node.value() {
        *element = with_attribute(element, name, value);
    }
}

/// A copy of `element` with attribute `name` set or removed.
///
/// scraper's `Element` caches its id and classes on first use, so editing
/// `attrs` in place would leave `#id` and `.class` selectors matching the old
/// values; `Element::new` (public, though hidden from the docs) starts with
/// empty caches.
fn with_attribute(element: &Element, name: &str, value: Option<&str>) -> Element {
    // HTML attribute names are case-insensitive and stored lowercase.
    let name = LocalName::from(name.to_ascii_lowercase());
    let mut attrs: Vec<Attribute> = element
        .attrs
        .iter()
        .filter(|(qual, _)| qual.local != name)
        .map(|(qual, value)| Attribute {
            name: qual.clone(),
            value: (&**value).into(),
        })
        .collect();
    if let Some(value) = value {
        attrs.push(Attribute {
            name: QualName::new(None, ns!(), name),
            value: value.into(),
        });
    }
    Element::new(element.name.clone(), attrs)
}

/// Adds (`add`) or removes `class` in the `class` attribute of element `id`.
fn edit_classes(html: &mut Html, id: NodeId, class: &str, add: bool) {
    let Some(current) = element(html, id).map(|element| element.attr("class").unwrap_or("")) else {
        return;
    };
    let mut classes: Vec<&str> = Vec::new();
    for name in current.split_ascii_whitespace() {
        if !classes.contains(&name) {
            classes.push(name);
        }
    }
    classes.retain(|name| *name != class);
    if add {
        classes.push(class);
    }
    let joined = classes.join(" ");
    set_attribute(html, id, "class", Some(&joined));
}

/// Sets the current value of element `id`: the text of a `textarea`, the
/// `value` attribute of anything else.
pub(super) fn set_value(html: &mut Html, id: NodeId, value: &str) {
    match element(html, id).map(|element| element.value().name()) {
        Some("textarea") => set_text(html, id, value),
        Some(_) => set_attribute(html, id, "value", Some(value)),
        None => {}
    }
}

/// The current value of a form control (`input`, `textarea`, `select`);
/// `None` for any other element.
pub(super) fn value(element: ElementRef<'_>) -> Option<String> {
    match element.value().name() {
        "input" => Some(input_value(element).to_owned()),
        "textarea" => Some(element.text().collect()),
        "select" => Some(select_value(element)),
        _ => None,
    }
}

fn input_value(input: ElementRef<'_>) -> &str {
    match (input.attr("value"), input.attr("type")) {
        (Some(value), _) => value,
        // What a browser submits for a checked box without a value.
        (None, Some(kind)) if is_checkable(kind) => "on",
        (None, _) => "",
    }
}

/// A `select` without a stored `value`: its selected option, else its first.
fn select_value(select: ElementRef<'_>) -> String {
    if let Some(value) = select.attr("value") {
        return value.to_owned();
    }
    let options: Vec<ElementRef<'_>> = select
        .descendent_elements()
        .filter(|element| element.value().name() == "option")
        .collect();
    let chosen = options
        .iter()
        .find(|option| option.attr("selected").is_some())
        .or(options.first());
    match chosen {
        Some(option) => match option.attr("value") {
            Some(value) => value.to_owned(),
            None => option.text().collect::<String>().trim().to_owned(),
        },
        None => String::new(),
    }
}

/// Whether an `input` of this `type` is a checkbox or radio button.
pub(super) fn is_checkable(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("checkbox") || kind.eq_ignore_ascii_case("radio")
}
