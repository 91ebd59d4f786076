//! Neighbour context: the messages around a message in its conversation.
//!
//! A reply is often meaningless alone ("Yes, last June!") and the question
//! it answers holds the words a later search uses. Each message's chunks
//! therefore carry the text of up to [`WINDOW`] messages before and after
//! it in the same conversation, indexed with a lower weight and never
//! shown. A gap of more than [`SESSION_GAP_US`] between two messages ends
//! the window: a chat resumed days later is another session.

use std::collections::HashMap;

use twinlake_udfs::parse::Entry;

/// Messages taken on each side. ±2 beat ±1 and ±3 on the LoCoMo dev file
/// (`twinlake eval locomo`).
pub const WINDOW: usize = 2;
/// The longest silence still within one session: six hours.
pub const SESSION_GAP_US: i64 = 6 * 3600 * 1_000_000;
/// Characters kept of each neighbour, so one long message cannot swamp
/// the context of its neighbours.
const NEIGHBOUR_CHARS: usize = 400;

/// Where each entry of an export sits in its conversation's time order.
pub struct Conversations<'a> {
    entries: &'a [Entry],
    /// Entry indexes of each conversation, in time order.
    threads: Vec<Vec<usize>>,
    /// For each entry: (thread, position in it).
    place: Vec<(usize, usize)>,
}

impl<'a> Conversations<'a> {
    /// Orders `entries` by conversation and time (file order breaks ties).
    pub fn new(entries: &'a [Entry]) -> Self {
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut threads: Vec<Vec<usize>> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let next = threads.len();
            let t = *by_name.entry(entry.conversation.as_str()).or_insert(next);
            if t == next {
                threads.push(Vec::new());
            }
            threads[t].push(i);
        }
        let mut place = vec![(0, 0); entries.len()];
        for (t, thread) in threads.iter_mut().enumerate() {
            thread.sort_by_key(|&i| (entries[i].timestamp_us, i));
            for (p, &i) in thread.iter().enumerate() {
                place[i] = (t, p);
            }
        }
        Conversations {
            entries,
            threads,
            place,
        }
    }

    /// The text of the messages around entry `i`, oldest first, one per line.
    pub fn context(&self, i: usize) -> String {
        let (t, p) = self.place[i];
        let thread = &self.threads[t];
        let at = self.entries[i].timestamp_us;
        let within = |j: usize| match (at, self.entries[j].timestamp_us) {
            (Some(a), Some(b)) => (a - b).abs() <= SESSION_GAP_US,
            _ => true,
        };
        // Walk outwards and stop at the first message beyond the gap.
        let before = thread[..p]
            .iter()
            .rev()
            .take(WINDOW)
            .take_while(|&&j| within(j));
        let after = thread[p + 1..]
            .iter()
            .take(WINDOW)
            .take_while(|&&j| within(j));
        let mut picked: Vec<usize> = before.copied().collect();
        picked.reverse();
        picked.extend(after.copied());
        picked
            .iter()
            .map(|&j| clip(&self.entries[j].text))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// At most [`NEIGHBOUR_CHARS`] characters of `text`.
fn clip(text: &str) -> &str {
    match text.char_indices().nth(NEIGHBOUR_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(conversation: &str, minute: i64, text: &str) -> Entry {
        Entry {
            conversation: conversation.into(),
            timestamp_us: Some(minute * 60_000_000),
            text: text.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn neighbours_come_from_the_same_conversation_and_session() {
        let entries = vec![
            entry("a", 0, "first"),
            entry("b", 1, "other chat"),
            entry("a", 2, "second"),
            entry("a", 3, "third"),
            entry("a", 4, "fourth"),
            entry("a", 5, "fifth"),
            // Two days later: a new session.
            entry("a", 2 * 24 * 60, "much later"),
        ];
        let c = Conversations::new(&entries);
        assert_eq!(c.context(3), "first\nsecond\nfourth\nfifth");
        assert_eq!(c.context(0), "second\nthird");
        assert_eq!(c.context(5), "third\nfourth");
        assert_eq!(c.context(6), "");
        assert_eq!(c.context(1), "");
    }

    #[test]
    fn time_order_wins_over_file_order_and_long_neighbours_are_clipped() {
        let long = "x".repeat(1000);
        let entries = vec![
            entry("a", 3, "late"),
            entry("a", 1, &long),
            entry("a", 2, "middle"),
        ];
        let c = Conversations::new(&entries);
        assert_eq!(
            c.context(0),
            format!("{}\nmiddle", "x".repeat(NEIGHBOUR_CHARS))
        );
        assert_eq!(c.context(1), "middle\nlate");
    }
}
