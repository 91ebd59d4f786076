//! Projects on the demo team's real footprint (chat exports, calendars,
//! LinkedIn): each member's twin recommends with cited reasons, vetoes
//! what their member cannot accept, coordination decides each kind of
//! proposal, a recorded choice becomes a decision memory, and only the
//! project's members reach it. Served by the real binary.

mod common;

use common::*;
use serde_json::{Value, json};

const MEMBERS: [&str; 3] = ["alice", "bob", "carol"];

fn served_team() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    for user in MEMBERS {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{summary}");
    }
    let server = serve(dir.path());
    (dir, server)
}

fn post(server: &Server, auth: &str, path: &str, body: &Value) -> (u16, Value) {
    http(
        &server.base,
        "POST",
        path,
        Some(body),
        &[("authorization", auth)],
    )
}

fn get(server: &Server, auth: &str, path: &str) -> (u16, Value) {
    http(&server.base, "GET", path, None, &[("authorization", auth)])
}

fn option(id: &str, label: &str) -> Value {
    json!({ "id": id, "label": label })
}

/// Creates proposal `body` in the harbor project; returns its id.
fn propose(server: &Server, body: Value) -> String {
    let (status, created) = post(server, &server.admin, "/projects/harbor/proposals", &body);
    assert_eq!(status, 201, "{created}");
    created["proposal"]["id"].as_str().unwrap().to_string()
}

fn coordinated(server: &Server, proposal: &str) -> Value {
    let (status, outcome) = post(
        server,
        &server.admin,
        &format!("/proposals/{proposal}/coordinate"),
        &json!({}),
    );
    assert_eq!(status, 200, "{outcome}");
    outcome
}

fn member<'a>(outcome: &'a Value, user: &str) -> &'a Value {
    outcome["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == user)
        .unwrap_or_else(|| panic!("no {user} in {outcome}"))
}

/// Every reason cites an episode of its member's own footprint.
fn assert_cited(reasons: &Value) {
    for reason in reasons.as_array().unwrap() {
        let citation = &reason["citation"];
        assert!(
            citation["episode_id"]
                .as_str()
                .is_some_and(|e| !e.is_empty())
                && citation["uri"].as_str().is_some_and(|u| !u.is_empty()),
            "a reason without a citation: {reason}"
        );
    }
}

#[test]
fn twins_recommend_veto_and_decide_every_kind_of_proposal() {
    let (dir, server) = served_team();
    let admin = server.admin.clone();
    let (status, created) = post(
        &server,
        &admin,
        "/projects",
        &json!({
            "id": "harbor",
            "title": "Harbor",
            "members": MEMBERS,
            "context": "The profile redesign, a barbecue and a trip.",
        }),
    );
    assert_eq!(status, 201, "{created}");
    let (status, again) = post(
        &server,
        &admin,
        "/projects",
        &json!({"id": "harbor", "title": "Harbor", "members": ["alice"]}),
    );
    assert_eq!(status, 409, "{again}");

    // A menu: each dish someone cannot eat is out for the group.
    let menu = propose(
        &server,
        json!({
            "id": "bbq-menu",
            "question": "What should we grill at the barbecue?",
            "kind": "subset",
            "options": [
                option("prawns", "Grilled prawns with garlic"),
                option("burgers", "Beef burgers"),
                option("satay", "Satay skewers with peanut sauce"),
                option("halloumi", "Halloumi and vegetable skewers"),
                option("bread", "Sourdough bread"),
                option("corn", "Corn on the cob"),
            ],
        }),
    );
    let (status, bob) = post(
        &server,
        &admin,
        "/recommendations/generate",
        &json!({"user": "bob", "proposal": menu}),
    );
    assert_eq!(status, 200, "{bob}");
    let ranking = bob["recommendations"].as_array().unwrap();
    assert_eq!(ranking.len(), 6);
    let prawns = ranking.iter().find(|r| r["option"] == "prawns").unwrap();
    assert_eq!(prawns["vetoed"], true, "{prawns}");
    assert_eq!(ranking.last().unwrap()["vetoed"], true, "vetoes rank last");
    let veto = &prawns["reasons"][0];
    assert_eq!(veto["effect"], "veto");
    assert!(
        veto["text"].as_str().unwrap().contains("shellfish"),
        "{veto}"
    );
    assert!(veto["memory_id"].is_string(), "{veto}");
    for r in ranking {
        assert_cited(&r["reasons"]);
    }
    let outcome = coordinated(&server, &menu);
    let chosen: Vec<&str> = outcome["decision"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    for out in ["prawns", "burgers", "satay"] {
        assert!(!chosen.contains(&out), "{out} is on the menu: {outcome}");
    }
    assert!(!chosen.is_empty(), "{outcome}");
    let vetoed_by = |user: &str| -> Vec<String> {
        member(&outcome, user)["vetoes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["option"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(vetoed_by("bob").contains(&"prawns".to_string()));
    assert!(
        vetoed_by("carol").contains(&"burgers".to_string()),
        "{outcome}"
    );
    assert!(
        vetoed_by("alice").contains(&"satay".to_string()),
        "{outcome}"
    );
    assert!(outcome["rationale"].as_str().unwrap().contains("vetoed"));

    // A day: the calendars rule out the days a member is away.
    let day = propose(
        &server,
        json!({
            "id": "bbq-day",
            "question": "Which weekend day suits everyone for the next get-together?",
            "kind": "schedule",
            "window": {"from": "2026-12-12", "to": "2026-12-20", "days": ["sat", "sun"]},
        }),
    );
    let outcome = coordinated(&server, &day);
    let bob_out = member(&outcome, "bob");
    let bob_vetoes = bob_out["vetoes"].as_array().unwrap();
    let birthday = bob_vetoes
        .iter()
        .find(|v| v["option"] == "2026-12-19")
        .unwrap_or_else(|| panic!("bob is in Hamburg on the 19th: {outcome}"));
    assert_eq!(
        birthday["reasons"][0]["citation"]["source_kind"],
        "calendar"
    );
    let decided = outcome["decision"]["option"].as_str().unwrap();
    assert_ne!(decided, "2026-12-19");
    // The 20th is the one weekend day both calendars leave free.
    assert_eq!(decided, "2026-12-20", "{outcome}");

    // Slots of hours: Carol's weekly rehearsal (19:30-22:00 Berlin) takes
    // most of a Wednesday evening, though the day itself is only partly
    // busy; the morning is free for everyone.
    let slot = |id: &str, from: &str, to: &str| json!({"id": id, "label": id, "date": "2027-01-06", "time": {"from": from, "to": to}});
    let call = propose(
        &server,
        json!({
            "id": "call",
            "question": "When do we hold the year's review call?",
            "kind": "schedule",
            "options": [
                slot("evening", "19:00", "22:00"),
                slot("morning", "09:00", "12:00"),
                {"id": "day", "label": "any time that Wednesday", "date": "2027-01-06"},
            ],
        }),
    );
    let outcome = coordinated(&server, &call);
    let carol_vetoes = member(&outcome, "carol")["vetoes"].as_array().unwrap();
    let vetoed: Vec<&str> = carol_vetoes
        .iter()
        .map(|v| v["option"].as_str().unwrap())
        .collect();
    assert_eq!(vetoed, ["evening"], "{outcome}");
    assert!(
        carol_vetoes[0]["reasons"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("rehearsal")),
        "{outcome}"
    );
    assert_eq!(outcome["decision"]["option"], "morning", "{outcome}");

    // Tasks go to whom they fit: skills from LinkedIn and the chats.
    let tasks = propose(
        &server,
        json!({
            "id": "split",
            "question": "How do we split the launch tasks?",
            "kind": "assignment",
            "tasks": [
                option("api", "Build the Rust API and the PostgreSQL schema"),
                option("experiment", "Design the A/B experiment and the causal analysis"),
                option("prototype", "Prototype the profile page in Figma"),
            ],
        }),
    );
    let outcome = coordinated(&server, &tasks);
    assert_eq!(
        outcome["decision"]["assignments"],
        json!({"api": "bob", "experiment": "carol", "prototype": "alice"}),
        "{outcome}"
    );

    // A choice of one: recommendations and the member's own choice.
    let trip = propose(
        &server,
        json!({
            "id": "january-trip",
            "question": "Where do we go on the January trip?",
            "kind": "choice",
            "options": [
                option("dolomites", "The Dolomites, by train to Bolzano"),
                option("lisbon", "Lisbon"),
                option("bali", "Bali, with two long flights"),
            ],
        }),
    );
    let (status, bob) = post(
        &server,
        &admin,
        "/recommendations/generate",
        &json!({"user": "bob", "proposal": trip}),
    );
    assert_eq!(status, 200, "{bob}");
    assert_eq!(bob["recommendations"][0]["option"], "dolomites", "{bob}");
    let (status, chosen) = post(
        &server,
        &admin,
        &format!("/proposals/{trip}/choice"),
        &json!({"user": "bob", "option": "dolomites"}),
    );
    assert_eq!(status, 201, "{chosen}");
    // The choice is a decision memory of bob's when the call returns.
    let (status, memories) = get(&server, &admin, "/twin/bob/memories?kind=decision");
    assert_eq!(status, 200, "{memories}");
    assert!(
        memories.to_string().contains("Dolomites"),
        "no decision memory: {memories}"
    );
    // In bob's graph: he is a member of the project and voted on the trip.
    let (status, graph) = get(&server, &admin, "/twin/bob/graph?entity=harbor&depth=2");
    assert_eq!(status, 200, "{graph}");
    let reached: Vec<(&str, &str)> = graph["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["entity"]["kind"].as_str().unwrap_or_default(),
                n["via"]["relation"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(reached.contains(&("user", "MEMBER_OF")), "{graph}");
    assert!(reached.contains(&("vote", "CHOSE")), "{graph}");
    // The trip has bob's vote on it, and his twin's recommendation.
    let (status, graph) = get(
        &server,
        &admin,
        &format!("/twin/bob/graph?entity={trip}&depth=1"),
    );
    assert_eq!(status, 200, "{graph}");
    let recommended = graph["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["via"]["relation"] == "RECOMMENDED")
        .unwrap_or_else(|| panic!("no RECOMMENDED edge: {graph}"));
    assert_eq!(recommended["entity"]["kind"], "digital_twin", "{graph}");
    assert!(
        recommended["via"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Dolomites") && t.contains("score")),
        "{graph}"
    );
    let (status, state) = get(&server, &admin, &format!("/proposals/{trip}/status"));
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["alignment"]["compared"], 1, "{state}");
    assert_eq!(state["alignment"]["matched"], 1, "{state}");
    let (status, open) = get(&server, &admin, "/proposals/open?project=harbor");
    assert_eq!(status, 200, "{open}");
    let open_ids: Vec<&str> = open["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        open_ids,
        [trip.as_str()],
        "coordinated proposals are decided"
    );

    // A question without options: the twins draft them from what the
    // members like in the question's area, each with its sources.
    let (status, created) = post(
        &server,
        &admin,
        "/projects/harbor/proposals",
        &json!({
            "id": "first-dinner",
            "question": "What should we eat on the first evening of the trip?",
            "kind": "choice",
        }),
    );
    assert_eq!(status, 201, "{created}");
    let drafted = created["proposal"]["options"].as_array().unwrap();
    assert!((1..=8).contains(&drafted.len()), "{created}");
    let mut backers: Vec<&str> = Vec::new();
    for option in drafted {
        let sources = option["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{option}");
        for source in sources {
            let user = source["user"].as_str().unwrap();
            backers.push(user);
            // Each source is a liking of its member's, valid now, filed
            // under food, whose episode is theirs.
            let (_, memories) = get(&server, &admin, &format!("/twin/{user}/memories"));
            let memory = memories["memories"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["memory_id"] == source["memory_id"])
                .unwrap_or_else(|| panic!("{source} is not among {user}'s memories"));
            assert_eq!(memory["domain"], "food", "{memory}");
            assert_eq!(memory["polarity"], "positive", "{memory}");
            assert!(
                memory["source_episodes"]
                    .as_array()
                    .unwrap()
                    .contains(&source["episode_id"]),
                "{source} cites another episode than {memory}"
            );
        }
    }
    backers.sort_unstable();
    backers.dedup();
    assert!(
        backers.len() >= 2,
        "drafted from one member only: {created}"
    );
    // The twins weigh drafted options like any others, and the group
    // decides on one of them.
    let outcome = coordinated(&server, "first-dinner");
    let decided = &outcome["decision"]["option"];
    assert!(drafted.iter().any(|o| &o["id"] == decided), "{outcome}");
    drop(dir);
}

#[test]
fn only_members_reach_a_project_and_bad_input_names_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, code) = ingest(dir.path(), "bob", &[&demo("bob")]);
    assert_eq!(code, 0, "{summary}");
    let server = serve(dir.path());
    let admin = server.admin.clone();
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let dave = create_key(dir.path(), "default", &["--user", "dave"]);
    let stranger = create_key(dir.path(), "elsewhere", &["--admin"]);
    // A member key may create a project only with its member in it.
    let project = json!({"id": "trip", "title": "Trip", "members": ["alice", "bob"]});
    assert_eq!(post(&server, &dave, "/projects", &project).0, 403);
    let (status, body) = post(&server, &bob, "/projects", &project);
    assert_eq!(status, 201, "{body}");

    let refused = |auth: &str, body: Value, field: &str| {
        let (status, reply) = post(&server, auth, "/projects/trip/proposals", &body);
        assert_eq!(status, 400, "{body} -> {reply}");
        let error = reply["error"].as_str().unwrap();
        assert!(error.starts_with(field), "{error} should name {field}");
    };
    let two = json!([option("a", "A"), option("b", "B")]);
    refused(
        &bob,
        json!({"question": "Q?", "kind": "vote", "options": two}),
        "kind",
    );
    refused(
        &bob,
        json!({"question": "Q?", "kind": "choice", "options": []}),
        "options",
    );
    refused(
        &bob,
        json!({"question": "Q?", "kind": "assignment"}),
        "tasks",
    );
    refused(
        &bob,
        json!({"question": "Q?", "kind": "schedule"}),
        "window",
    );
    refused(
        &bob,
        json!({"question": "Q?", "kind": "schedule",
               "window": {"from": "2026-12-01", "to": "2026-12-03", "days": ["sat"]}}),
        "window.days",
    );
    refused(
        &bob,
        json!({"question": "Q?", "kind": "choice", "options": [option("a", "A"), option("a", "B")]}),
        "options",
    );
    // No options, and nothing the members like is about the question.
    refused(
        &bob,
        json!({"question": "Which licence should the code be under?", "kind": "choice"}),
        "options",
    );
    // Sources are the twins' to draft: a caller's are dropped.
    let claimed = json!([
        {"id": "a", "label": "A", "sources": [
            {"user": "alice", "memory_id": "m", "text": "Alice loves A.", "episode_id": "e"}
        ]},
        option("b", "B"),
    ]);
    let (status, made) = post(
        &server,
        &bob,
        "/projects/trip/proposals",
        &json!({"question": "Where to?", "kind": "choice", "options": claimed}),
    );
    assert_eq!(status, 201, "{made}");
    assert!(
        made["proposal"]["options"][0].get("sources").is_none(),
        "{made}"
    );
    let pid = made["proposal"]["id"].as_str().unwrap().to_string();

    // Choices: an unknown option, two for a single pick, a non-member.
    let choose =
        |auth: &str, body: Value| post(&server, auth, &format!("/proposals/{pid}/choice"), &body);
    let (status, reply) = choose(&bob, json!({"user": "bob", "option": "z"}));
    assert_eq!(status, 400, "{reply}");
    assert!(reply["error"].as_str().unwrap().starts_with("option"));
    let (status, reply) = choose(&bob, json!({"user": "bob", "options": ["a", "b"]}));
    assert_eq!(status, 400, "{reply}");
    let (status, reply) = choose(&admin, json!({"user": "dave", "option": "a"}));
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("user: dave is not a member")
    );
    // Bob's key acts for bob only; dave's key reaches nothing of the project.
    assert_eq!(choose(&bob, json!({"user": "alice", "option": "a"})).0, 403);
    assert_eq!(get(&server, &dave, "/projects/trip").0, 403);
    assert_eq!(
        get(&server, &dave, &format!("/proposals/{pid}/status")).0,
        403
    );
    let generate = json!({"user": "bob", "proposal": pid});
    assert_eq!(
        post(&server, &dave, "/recommendations/generate", &generate).0,
        403
    );
    assert_eq!(
        post(
            &server,
            &dave,
            &format!("/proposals/{pid}/coordinate"),
            &json!({})
        )
        .0,
        403
    );
    // Another tenant does not see it at all.
    assert_eq!(get(&server, &stranger, "/projects/trip").0, 404);
    assert_eq!(
        get(&server, &stranger, &format!("/proposals/{pid}/status")).0,
        404
    );
    // Neither proposal nor project: the field is named.
    let (status, reply) = post(
        &server,
        &bob,
        "/recommendations/generate",
        &json!({"user": "bob"}),
    );
    assert_eq!(status, 400, "{reply}");
    assert!(reply["error"].as_str().unwrap().starts_with("proposal"));
    // Nothing went wrong for the member who may: bob chooses.
    let (status, reply) = choose(&bob, json!({"user": "bob", "option": "b"}));
    assert_eq!(status, 201, "{reply}");
    let (_, state) = get(&server, &bob, &format!("/proposals/{pid}/status"));
    let bob_state = state["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == "bob")
        .unwrap()
        .clone();
    assert_eq!(bob_state["choice"]["options"], json!(["b"]));
}

#[test]
fn the_alignment_eval_stays_above_its_floor() {
    let report = json(
        twinlake(tempfile::tempdir().unwrap().path())
            .args(["eval", "alignment", "--json"])
            .arg(root().join("data/eval/alignment-dev.json")),
    );
    let overall = &report["overall"];
    assert_eq!(overall["compared"], 18, "{report}");
    // Measured 15 of 18 (0.83) on the dev file; the floor leaves room for
    // deliberate trade-offs, not for losing a whole kind.
    assert!(overall["rate"].as_f64().unwrap() >= 0.7, "{report}");
    for (kind, score) in report["kinds"].as_object().unwrap() {
        assert!(score["rate"].as_f64().unwrap() >= 0.5, "{kind}: {score}");
    }
}
