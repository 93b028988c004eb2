//! Which task reads which source partition.
//!
//! Each task finds its own share from the cluster's metadata, with no
//! coordination: partition `p` of topic `t` belongs to task
//! `(hash(t) + p) mod tasks`. The rule spreads each topic's partitions
//! round-robin over the tasks (starting at a task that depends on the
//! topic, so one-partition topics spread too), and it never moves a
//! partition when topics or partitions are added: a new one simply has an
//! owner, which picks it up at its next look at the metadata. (The other
//! way, Apache MirrorMaker's, has the connector re-plan task
//! configurations and restart every task when a topic appears.)

/// FNV-1a, 32 bits: a fixed hash, the same in every task and every
/// release (std's hasher is randomized per process).
fn topic_hash(topic: &str) -> u32 {
    topic.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The task (of `tasks`) that reads `partition` of `topic`.
pub fn owner(topic: &str, partition: i32, tasks: u32) -> u32 {
    let tasks = u64::from(tasks.max(1));
    ((u64::from(topic_hash(topic)) + u64::from(partition.max(0) as u32)) % tasks) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_of_a_topic_go_round_robin() {
        let tasks = 3;
        let owners: Vec<u32> = (0..6).map(|p| owner("orders", p, tasks)).collect();
        for p in 0..6 {
            assert_eq!(owners[p], (owners[0] + p as u32) % tasks);
        }
        let mut count = [0; 3];
        for o in owners {
            count[o as usize] += 1;
        }
        assert_eq!(count, [2, 2, 2]);
    }

    #[test]
    fn many_one_partition_topics_spread_over_the_tasks() {
        let mut count = [0u32; 4];
        for i in 0..400 {
            count[owner(&format!("topic-{i}"), 0, 4) as usize] += 1;
        }
        for c in count {
            assert!((70..=130).contains(&c), "{count:?}");
        }
    }

    #[test]
    fn the_rule_is_fixed() {
        // Tasks of different releases must agree: pin a few values.
        assert_eq!(topic_hash(""), 0x811c_9dc5);
        assert_eq!(topic_hash("a"), 0xe40c_292c);
        assert_eq!(owner("a", 0, 1), 0);
        assert_eq!(owner("a", 1, 7), ((0xe40c_292cu64 + 1) % 7) as u32);
    }
}
