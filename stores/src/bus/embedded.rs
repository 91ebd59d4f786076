//! The embedded bus: a durable, append-only log per topic in the data
//! directory, with committed positions per consumer group.
//!
//! Layout: `<dir>/<topic>/log` holds framed records
//! `[body length u32][checksum u32][key length u32][key][payload]`, appended
//! and fsynced before `send` returns; the record's offset is its index.
//! `<dir>/<topic>/groups/<group>` holds the group's next offset, replaced
//! atomically (temp file, fsync, rename). A record torn by a crash fails its
//! length or checksum and is cut off when the log is next opened.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use twinlake_core::backend::{BackendError, Bus, Delivery, Producer, Source};

const BACKEND: &str = "embedded bus";
const HEADER: usize = 8;

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackendError {
    let context = context.into();
    move |source| BackendError::Io {
        backend: BACKEND,
        context,
        source,
    }
}

fn checksum(body: &[u8]) -> u32 {
    u32::from_le_bytes(
        blake3::hash(body).as_bytes()[..4]
            .try_into()
            .expect("4 bytes"),
    )
}

/// One topic's log: the file and the byte position of every record.
#[derive(Debug)]
struct TopicLog {
    file: File,
    positions: Vec<u64>,
    end: u64,
}

impl TopicLog {
    fn open(dir: &Path) -> Result<Self, BackendError> {
        std::fs::create_dir_all(dir.join("groups"))
            .map_err(io(format!("create {}", dir.display())))?;
        let path = dir.join("log");
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io(format!("open {}", path.display())))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io(format!("read {}", path.display())))?;
        let mut positions = Vec::new();
        let mut at = 0usize;
        while at + HEADER <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4")) as usize;
            let sum = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4"));
            let body = at + HEADER;
            if body + len > bytes.len() || checksum(&bytes[body..body + len]) != sum {
                break; // torn tail
            }
            positions.push(at as u64);
            at = body + len;
        }
        if at < bytes.len() {
            tracing::warn!(path = %path.display(), kept = positions.len(), "cutting a torn record off the bus log");
            file.set_len(at as u64)
                .map_err(io(format!("truncate {}", path.display())))?;
            file.sync_all()
                .map_err(io(format!("sync {}", path.display())))?;
        }
        Ok(TopicLog {
            file,
            positions,
            end: at as u64,
        })
    }

    fn append(&mut self, key: &[u8], payload: &[u8]) -> Result<u64, BackendError> {
        let mut body = Vec::with_capacity(4 + key.len() + payload.len());
        body.extend_from_slice(&(key.len() as u32).to_le_bytes());
        body.extend_from_slice(key);
        body.extend_from_slice(payload);
        let mut frame = Vec::with_capacity(HEADER + body.len());
        frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
        frame.extend_from_slice(&checksum(&body).to_le_bytes());
        frame.extend_from_slice(&body);
        self.file
            .write_all(&frame)
            .map_err(io("append to the bus log"))?;
        self.file.sync_data().map_err(io("sync the bus log"))?;
        self.positions.push(self.end);
        self.end += frame.len() as u64;
        Ok(self.positions.len() as u64 - 1)
    }

    fn read(&mut self, offset: u64) -> Result<Option<(Vec<u8>, Vec<u8>)>, BackendError> {
        let Some(&at) = self.positions.get(offset as usize) else {
            return Ok(None);
        };
        let mut header = [0u8; HEADER];
        self.file
            .seek(SeekFrom::Start(at))
            .map_err(io("seek the bus log"))?;
        self.file
            .read_exact(&mut header)
            .map_err(io("read the bus log"))?;
        let len = u32::from_le_bytes(header[..4].try_into().expect("4")) as usize;
        let mut body = vec![0u8; len];
        self.file
            .read_exact(&mut body)
            .map_err(io("read the bus log"))?;
        let key_len = u32::from_le_bytes(body[..4].try_into().expect("4")) as usize;
        let key = body[4..4 + key_len].to_vec();
        let payload = body[4 + key_len..].to_vec();
        Ok(Some((key, payload)))
    }
}

/// Open topic logs by name, shared by every handle of one bus.
type Topics = Arc<Mutex<HashMap<String, Arc<Mutex<TopicLog>>>>>;

/// The embedded bus rooted at one directory. Cheap to clone.
#[derive(Clone, Debug)]
pub struct EmbeddedBus {
    dir: PathBuf,
    topics: Topics,
}

impl EmbeddedBus {
    /// Opens (creating if needed) the bus in `dir`.
    pub fn open(dir: &Path) -> Result<Self, BackendError> {
        std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
        Ok(EmbeddedBus {
            dir: dir.to_path_buf(),
            topics: Arc::default(),
        })
    }

    fn topic(&self, topic: &str) -> Result<Arc<Mutex<TopicLog>>, BackendError> {
        if topic.is_empty()
            || !topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(BackendError::Engine {
                backend: BACKEND,
                message: format!("invalid topic name {topic:?}"),
            });
        }
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(log) = topics.get(topic) {
            return Ok(log.clone());
        }
        let log = Arc::new(Mutex::new(TopicLog::open(&self.dir.join(topic))?));
        topics.insert(topic.to_string(), log.clone());
        Ok(log)
    }

    /// A consumer of `topic` for consumer group `group`, starting at the
    /// group's committed position.
    pub fn open_consumer(
        &self,
        topic: &str,
        group: &str,
    ) -> Result<EmbeddedConsumer, BackendError> {
        let log = self.topic(topic)?;
        let offset_file = self.dir.join(topic).join("groups").join(group);
        let committed = match std::fs::read_to_string(&offset_file) {
            Ok(s) => s.trim().parse::<u64>().map_err(|e| BackendError::Corrupt {
                backend: BACKEND,
                location: offset_file.display().to_string(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io(format!("read {}", offset_file.display()))(e)),
        };
        Ok(EmbeddedConsumer {
            topic: topic.to_string(),
            log,
            offset_file,
            next: committed,
        })
    }
}

#[async_trait]
impl Producer for EmbeddedBus {
    async fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<u64, BackendError> {
        let log = self.topic(topic)?;
        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
        log.append(key, payload)
    }
}

#[async_trait]
impl Bus for EmbeddedBus {
    async fn consumer(&self, topic: &str, group: &str) -> Result<Box<dyn Source>, BackendError> {
        Ok(Box::new(self.open_consumer(topic, group)?))
    }

    async fn lag(&self, topic: &str, group: &str) -> Result<u64, BackendError> {
        let consumer = self.open_consumer(topic, group)?;
        let end = consumer
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .positions
            .len() as u64;
        Ok(end.saturating_sub(consumer.next))
    }
}

/// A consumer-group reader of one topic of the embedded bus.
#[derive(Debug)]
pub struct EmbeddedConsumer {
    topic: String,
    log: Arc<Mutex<TopicLog>>,
    offset_file: PathBuf,
    next: u64,
}

#[async_trait]
impl Source for EmbeddedConsumer {
    async fn poll(&mut self, max: usize) -> Result<Vec<Delivery>, BackendError> {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        while out.len() < max {
            let Some((key, payload)) = log.read(self.next)? else {
                break;
            };
            out.push(Delivery {
                topic: self.topic.clone(),
                partition: 0,
                offset: self.next,
                key,
                payload,
            });
            self.next += 1;
        }
        Ok(out)
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<(), BackendError> {
        let tmp = self.offset_file.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all((delivery.offset + 1).to_string().as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.offset_file)?;
            if let Some(dir) = self.offset_file.parent() {
                File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(io(format!(
            "commit offset to {}",
            self.offset_file.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::contract;

    #[tokio::test]
    async fn embedded_bus_passes_the_source_contract() {
        let dir = tempfile::tempdir().unwrap();
        let bus = EmbeddedBus::open(dir.path()).unwrap();
        contract::source(&bus, "t", || {
            // A fresh bus handle per consumer: as after a process restart.
            EmbeddedBus::open(dir.path())
                .unwrap()
                .open_consumer("t", "g")
                .unwrap()
        })
        .await;
    }

    #[tokio::test]
    async fn a_torn_tail_is_cut_and_earlier_records_survive() {
        let dir = tempfile::tempdir().unwrap();
        let bus = EmbeddedBus::open(dir.path()).unwrap();
        bus.send("t", b"k", b"whole").await.unwrap();
        bus.send("t", b"k", b"torn record").await.unwrap();
        let log = dir.path().join("t").join("log");
        let len = std::fs::metadata(&log).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&log)
            .unwrap()
            .set_len(len - 3)
            .unwrap();

        let bus = EmbeddedBus::open(dir.path()).unwrap();
        let mut c = bus.open_consumer("t", "g").unwrap();
        let got = c.poll(10).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].payload, b"whole");
        // New records append cleanly after the cut.
        assert_eq!(bus.send("t", b"k", b"next").await.unwrap(), 1);
        assert_eq!(c.poll(10).await.unwrap()[0].payload, b"next");
        assert_eq!(bus.lag("t", "g").await.unwrap(), 2);
        assert!(bus.consumer("bad/topic", "g").await.is_err());
    }
}
