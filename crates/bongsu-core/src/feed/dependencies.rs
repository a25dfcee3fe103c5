//! Dependencies between components (Kakao Pay's payments need Kakao
//! account's login): the graph rules a feed must follow and what a reader
//! derives from them. Every reader (page, widget, probes' consensus,
//! history) asks here, so "affected through" means one thing everywhere.

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
    // Plain vectors and linear lookups rather than maps: a feed has at most
    // a few hundred components, and every map type instantiated here would
    // be code in the page's and the widget's wasm.
    let nodes: Vec<(String, &[String])> = services
        .iter()
        .flat_map(|s| {
            s.components
                .iter()
                .map(move |c| (key(s, c), c.depends_on.as_slice()))
        })
        .collect();
    let index = |reference: &str| nodes.iter().position(|(k, _)| k == reference);
    // Iterative depth-first search: 0 unseen, 1 on the current path, 2 done.
    let mut mark = vec![0u8; nodes.len()];
    for start in 0..nodes.len() {
        if mark[start] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = 1;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(dep) = nodes[node].1.get(*next) {
                *next += 1;
                let Some(dep) = index(dep) else {
                    continue;
                };
                match mark[dep] {
                    0 => {
                        mark[dep] = 1;
                        path.push((dep, 0));
                    }
                    1 => {
                        let from = path.iter().position(|(n, _)| *n == dep)?;
                        let mut cycle: Vec<String> = path[from..]
                            .iter()
                            .map(|(n, _)| nodes[*n].0.clone())
                            .collect();
                        cycle.push(nodes[dep].0.clone());
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                mark[node] = 2;
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
    let mut seen: Vec<ComponentRef> = vec![of.clone()];
    let mut queue: Vec<&Component> = vec![start];
    let mut next = 0;
    let mut out = Vec::new();
    while let Some(component) = queue.get(next).copied() {
        next += 1;
        for dep in component
            .depends_on
            .iter()
            .filter_map(|d| ComponentRef::parse(d))
        {
            if seen.contains(&dep) {
                continue;
            }
            if let Some((service, component)) = find(&dep) {
                if component.status != Status::Operational {
                    out.push(Through { service, component });
                }
                queue.push(component);
            }
            seen.push(dep);
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
