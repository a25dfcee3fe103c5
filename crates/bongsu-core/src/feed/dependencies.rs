//! Dependencies between components (Kakao Pay's payments need Kakao
//! account's login): the graph rules a feed must follow and what a reader
//! derives from them. Every reader (page, widget, probes' consensus,
//! history) asks here, so "affected through" means one thing everywhere.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::feed::model::{Component, ComponentRef, Service, Status};

/// `service/component`, the key every reference uses.
fn key(service: &Service, component: &Component) -> String {
    format!("{}/{}", service.id, component.id)
}

/// The first circle of dependencies, as the references around it with the
/// first repeated at the end (`a/x → b/y → a/x`), or none. Components are
/// visited in feed order, so the same feed always names the same circle.
/// References to unknown components are ignored here (validation names
/// them first).
pub fn find_cycle(services: &[Service]) -> Option<Vec<String>> {
    let edges: BTreeMap<String, &[String]> = services
        .iter()
        .flat_map(|s| {
            s.components
                .iter()
                .map(move |c| (key(s, c), c.depends_on.as_slice()))
        })
        .collect();
    let order: Vec<String> = services
        .iter()
        .flat_map(|s| s.components.iter().map(move |c| key(s, c)))
        .collect();
    // Iterative depth-first search: 0 unseen, 1 on the current path, 2 done.
    let mut mark: BTreeMap<&str, u8> = BTreeMap::new();
    for start in &order {
        if mark.get(start.as_str()).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut path: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        mark.insert(start.as_str(), 1);
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let deps = edges.get(node).copied().unwrap_or(&[]);
            if let Some(dep) = deps.get(*next) {
                *next += 1;
                let Some((dep, _)) = edges.get_key_value(dep.as_str()) else {
                    continue;
                };
                match mark.get(dep.as_str()).copied().unwrap_or(0) {
                    0 => {
                        mark.insert(dep.as_str(), 1);
                        path.push((dep.as_str(), 0));
                    }
                    1 => {
                        let from = path.iter().position(|(n, _)| *n == dep.as_str())?;
                        let mut cycle: Vec<String> =
                            path[from..].iter().map(|(n, _)| (*n).to_owned()).collect();
                        cycle.push(dep.clone());
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                mark.insert(node, 2);
                path.pop();
            }
        }
    }
    None
}

/// A component that another one needs, directly or through others, and
/// that is not operational.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Through<'a> {
    pub service: &'a Service,
    pub component: &'a Component,
}

/// The components `of` depends on, directly or through others, that are
/// not operational: nearest first, then in the order they are listed.
/// Bounded by the feed's size whatever the graph (a reader may be given
/// an unvalidated history).
pub fn affected_through<'a>(services: &'a [Service], of: &ComponentRef) -> Vec<Through<'a>> {
    let find = |r: &ComponentRef| {
        let service = services.iter().find(|s| s.id == r.service)?;
        let component = service.components.iter().find(|c| c.id == r.component)?;
        Some((service, component))
    };
    let Some((_, start)) = find(of) else {
        return Vec::new();
    };
    let mut seen: BTreeSet<ComponentRef> = BTreeSet::from([of.clone()]);
    let mut queue: VecDeque<&Component> = VecDeque::from([start]);
    let mut out = Vec::new();
    while let Some(component) = queue.pop_front() {
        for dep in component
            .depends_on
            .iter()
            .filter_map(|d| ComponentRef::parse(d))
        {
            if !seen.insert(dep.clone()) {
                continue;
            }
            if let Some((service, component)) = find(&dep) {
                if component.status != Status::Operational {
                    out.push(Through { service, component });
                }
                queue.push_back(component);
            }
        }
    }
    out
}

/// Is a non-operational component's state explained by a dependency that is
/// itself declared down? Then a probe that finds the component's own
/// endpoint answering does not contradict the operator: the endpoint is up,
/// but what it needs is not.
pub fn explained_by_dependency(services: &[Service], of: &ComponentRef) -> bool {
    !affected_through(services, of).is_empty()
}

/// The status a probe of the service's own endpoints could confirm: its
/// worst component, leaving out components affected only through a
/// dependency that is itself declared down (their own endpoints answer; what
/// they need does not).
pub fn confirmable_status(services: &[Service], service: &Service) -> Status {
    Status::worst(service.components.iter().filter_map(|c| {
        let of = ComponentRef {
            service: service.id.clone(),
            component: c.id.clone(),
        };
        let through = c.status != Status::Operational && explained_by_dependency(services, &of);
        (!through).then_some(c.status)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Localized;

    fn c(id: &str, status: Status, deps: &[&str]) -> Component {
        Component {
            id: id.into(),
            name: Localized::plain(id),
            status,
            depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    fn s(id: &str, components: Vec<Component>) -> Service {
        Service {
            id: id.into(),
            name: Localized::plain(id),
            components,
        }
    }

    fn r(text: &str) -> ComponentRef {
        ComponentRef::parse(text).unwrap()
    }

    fn kakao() -> Vec<Service> {
        vec![
            s(
                "account",
                vec![
                    c("login", Status::MajorOutage, &[]),
                    c("profile", Status::Operational, &[]),
                ],
            ),
            s(
                "pay",
                vec![c("payments", Status::PartialOutage, &["account/login"])],
            ),
            s(
                "shop",
                vec![c("checkout", Status::PartialOutage, &["pay/payments"])],
            ),
            s(
                "maps",
                vec![c("search", Status::Operational, &["account/profile"])],
            ),
        ]
    }

    #[test]
    fn no_cycle_in_a_tree() {
        assert_eq!(find_cycle(&kakao()), None);
    }

    #[test]
    fn a_cycle_is_named_in_feed_order() {
        let mut services = kakao();
        services[0].components[0].depends_on = vec!["shop/checkout".into()];
        assert_eq!(
            find_cycle(&services),
            Some(vec![
                "account/login".into(),
                "shop/checkout".into(),
                "pay/payments".into(),
                "account/login".into()
            ])
        );
    }

    #[test]
    fn affected_through_is_transitive_and_skips_operational_links() {
        let services = kakao();
        let through: Vec<String> = affected_through(&services, &r("shop/checkout"))
            .iter()
            .map(|t| format!("{}/{}", t.service.id, t.component.id))
            .collect();
        assert_eq!(through, ["pay/payments", "account/login"]);
        assert!(affected_through(&services, &r("maps/search")).is_empty());
        assert!(affected_through(&services, &r("account/login")).is_empty());
        assert!(affected_through(&services, &r("nope/nothing")).is_empty());
    }

    #[test]
    fn what_a_probe_can_confirm_leaves_out_outages_through_a_dependency() {
        let services = kakao();
        // Payments are down only because login is: a probe of Kakao Pay finds it up.
        assert_eq!(
            confirmable_status(&services, &services[1]),
            Status::Operational
        );
        assert_eq!(
            confirmable_status(&services, &services[0]),
            Status::MajorOutage
        );
        let mut own = kakao();
        own[0].components[0].status = Status::Operational;
        assert_eq!(confirmable_status(&own, &own[1]), Status::PartialOutage);
    }

    #[test]
    fn unvalidated_cycles_and_unknown_references_end() {
        let services = vec![
            s("a", vec![c("x", Status::MajorOutage, &["b/y", "zz/top"])]),
            s("b", vec![c("y", Status::MajorOutage, &["a/x"])]),
        ];
        assert_eq!(affected_through(&services, &r("a/x")).len(), 1);
        assert!(find_cycle(&services).is_some());
    }
}
