//! `dialcore-sip --config FILE`: runs the campaign of FILE against its SIP
//! trunk until every contact is final, or until SIGTERM (then the calls are
//! let end and it exits 0). Exit 2 on a bad config or a start-up failure.
//! With a `[replica]` table it first follows the stream as a standby until
//! it holds the lease (see `dialcore_sip::replicate`); exit 4 when it
//! loses the lease.

use std::path::PathBuf;
use std::process::ExitCode;

use dialcore_sip::config::HostConfig;
use dialcore_sip::host::Host;
use dialcore_sip::replicate;

fn usage() -> ExitCode {
    eprintln!("usage: dialcore-sip --config FILE.toml");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.as_slice() {
        [flag, path] if flag == "--config" || flag == "-c" => PathBuf::from(path),
        _ => return usage(),
    };
    let cfg = match HostConfig::from_path(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dialcore-sip: {e}");
            return ExitCode::from(2);
        }
    };
    // Replicated: follow as a standby until the lease is won, then open
    // (crash recovery) and fence — before the host's runtime exists, since
    // the replica node blocks on a runtime of its own.
    let replicated = match cfg.replica {
        None => None,
        Some(_) => match replicate::take_over(&cfg, Host::open_campaign) {
            Ok((primary, (opened, _info))) => match replicate::Shipper::start(primary) {
                Ok(shipper) => Some((opened, shipper)),
                Err(e) => {
                    eprintln!("dialcore-sip: {e}");
                    return ExitCode::from(2);
                }
            },
            Err(replicate::TakeoverError::Host(e)) => {
                eprintln!("dialcore-sip: {e}");
                return ExitCode::from(2);
            }
            Err(replicate::TakeoverError::Replica(e @ dialcore_replica::Error::Input(_))) => {
                eprintln!("dialcore-sip: replica: {e}");
                return ExitCode::from(2);
            }
            Err(replicate::TakeoverError::Replica(e)) => replicate::deposed(&e),
        },
    };
    // One thread: the engine task and the call tasks interleave at await
    // points only, which is what makes the crash log's ordering hold (see
    // `dialcore_sip::ua::run_call`).
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dialcore-sip: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = rt.block_on(async move {
        let host = match replicated {
            Some((opened, shipper)) => Host::start_opened(cfg, opened, Some(shipper)).await?,
            None => Host::start(cfg).await?,
        };
        host.run().await
    });
    // The console's stdin reader blocks in a thread that would keep a
    // normal runtime drop waiting forever.
    rt.shutdown_background();
    match result {
        Ok(finish) => {
            eprintln!("dialcore-sip: {finish:?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dialcore-sip: {e}");
            ExitCode::from(2)
        }
    }
}
