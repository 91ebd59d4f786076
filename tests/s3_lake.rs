//! The lake on a real S3 server: SeaweedFS (`vendor/seaweedfs/weed`, put
//! there by `make setup`) on loopback ports. The same lake contract as
//! `file://` and `memory://`, then the whole pipeline with its lake on S3:
//! ingest, search, and an index rebuild that DataFusion reads back from S3.

mod common;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use twinlake_core::config::LakeConfig;
use twinlake_core::lake::{Lake, contract};

const S3_PORT: u16 = 18333;
const BUCKET: &str = "twinlake-test";
const KEY: &str = "testkey";
const SECRET: &str = "testsecret";

/// The server process and the folder it keeps its data in.
struct Weed(Child, #[allow(dead_code)] tempfile::TempDir);

impl Drop for Weed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_weed() -> Weed {
    let weed = root().join("vendor/seaweedfs/weed");
    assert!(
        weed.is_file(),
        "{} is missing: run `make setup`",
        weed.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(weed)
        .args([
            "mini",
            &format!("-dir={}", dir.path().display()),
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-admin.ui=false",
            "-admin.port=17646",
            "-master.port=19333",
            "-volume.port=18080",
            "-filer.port=18888",
            &format!("-s3.port={S3_PORT}"),
            "-webdav.port=17333",
        ])
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("S3_BUCKET", BUCKET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Weed(child, dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", S3_PORT)).is_err() {
        assert!(
            Instant::now() < deadline,
            "SeaweedFS did not open its S3 port"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}

fn s3_env(cmd: &mut Command) -> &mut Command {
    cmd.env("TWINLAKE_LAKE_URL", format!("s3://{BUCKET}/lake"))
        .env(
            "TWINLAKE_LAKE_S3_ENDPOINT",
            format!("http://127.0.0.1:{S3_PORT}"),
        )
        .env("TWINLAKE_LAKE_S3_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
}

#[test]
fn the_lake_on_a_real_s3_server() {
    let _server = start_weed();
    // SAFETY: this is the only test of this binary and no other thread
    // reads the environment yet; the lake reads credentials from AWS_*.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", KEY);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET);
    }
    let lake_config = LakeConfig {
        url: format!("s3://{BUCKET}/contract"),
        s3_endpoint: format!("http://127.0.0.1:{S3_PORT}"),
        s3_region: "us-east-1".into(),
        s3_allow_http: true,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // The bucket is created shortly after the port opens: retry briefly.
        let lake = Lake::open(&lake_config).unwrap();
        let probe = lake.child(&["probe"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while lake
            .put(&probe, bytes::Bytes::from_static(b"x"))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "bucket {BUCKET} never became writable"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        contract::run(&lake).await;
    });

    let data = tempfile::tempdir().unwrap();
    let out = run(s3_env(&mut twinlake(data.path()))
        .args(["ingest", "--json", "--user", "alice"])
        .arg(demo("alice")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !data.path().join("lake").exists(),
        "the lake was written locally, not to S3"
    );
    let before = json(s3_env(&mut twinlake(data.path())).args([
        "search",
        "--json",
        "--user",
        "alice",
        "peanut allergy",
    ]));
    let top = before["results"][0]["text"].as_str().unwrap_or_default();
    assert!(top.to_lowercase().contains("peanut"), "{before}");
    for index in ["vectors", "text"] {
        std::fs::remove_dir_all(data.path().join(index)).unwrap();
    }
    let report =
        json(s3_env(&mut twinlake(data.path())).args(["job", "rebuild-indexes", "--json"]));
    assert!(report["chunks"].as_u64().unwrap() > 0, "{report}");
    let after = json(s3_env(&mut twinlake(data.path())).args([
        "search",
        "--json",
        "--user",
        "alice",
        "peanut allergy",
    ]));
    // The same passages, scored alike, and the same memories in the same
    // order (a memory's score weighs its age, which moved on meanwhile).
    assert_eq!(after["results"], before["results"]);
    let memories = |found: &serde_json::Value| -> Vec<String> {
        found["memories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["memory_id"].to_string())
            .collect()
    };
    assert_eq!(memories(&after), memories(&before));
}
