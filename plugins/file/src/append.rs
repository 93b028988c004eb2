//! A file a sink task appends lines to.
//!
//! In a component (WASI 0.2) the lines go to the file's WASI output stream,
//! and `append` returns once the host has them, before they are written:
//! the host writes them (on its blocking-I/O threads) while the task's next
//! batch is read and converted. std's `File` cannot do that: each of its
//! writes ends with a `blocking-flush`, so every batch waited for its own
//! write and for the host thread's wake-up. A write's outcome is known at
//! the next `append` or `sync`, which wait for it; lines whose write failed
//! are handed again, first, on a new stream (the host already counts their
//! records as put, so they must not be lost). Compiled natively (tests, the
//! benchmarks' native chain), it is std's `File`.

use std::io;

#[cfg(all(target_os = "wasi", target_env = "p2"))]
pub use wasi::Appender;

#[cfg(not(all(target_os = "wasi", target_env = "p2")))]
pub use native::Appender;

#[cfg(all(target_os = "wasi", target_env = "p2"))]
mod wasi {
    use super::io;
    use wasip2::filesystem::preopens::get_directories;
    use wasip2::filesystem::types::{
        Descriptor, DescriptorFlags, ErrorCode, OpenFlags, PathFlags, filesystem_error_code,
    };
    use wasip2::io::streams::{OutputStream, StreamError};

    /// The file, its append stream, and the lines handed to it last.
    pub struct Appender {
        /// Declared before `file`: a stream is dropped before the
        /// descriptor it came from. `None` after a failed write.
        stream: Option<OutputStream>,
        file: Descriptor,
        /// The lines handed last: being written while `in_flight`, else
        /// (when not empty) not written because the write failed.
        pending: Vec<u8>,
        in_flight: bool,
    }

    impl Appender {
        /// Open `path` (absolute, as the host grants it) for appending,
        /// creating it if needed.
        pub fn open(path: &str) -> io::Result<Self> {
            let (dir, relative) = granted_folder(path)?;
            let file = dir
                .open_at(
                    PathFlags::SYMLINK_FOLLOW,
                    &relative,
                    OpenFlags::CREATE,
                    DescriptorFlags::WRITE,
                )
                .map_err(code_error)?;
            Ok(Self {
                stream: None,
                file,
                pending: Vec::new(),
                in_flight: false,
            })
        }

        /// Hand `lines` to the host once the lines handed before are
        /// written; returns before `lines` are. Takes the bytes (`lines`
        /// comes back empty, with the memory of earlier lines to reuse).
        /// After an error, `lines` are not kept: the host puts the batch
        /// again.
        pub fn append(&mut self, lines: &mut Vec<u8>) -> io::Result<()> {
            self.settle()?;
            let stream = stream(&mut self.stream, &self.file)?;
            if let Err(e) = hand(stream, lines) {
                self.stream = None;
                return Err(stream_error(e));
            }
            std::mem::swap(&mut self.pending, lines);
            lines.clear();
            self.in_flight = true;
            Ok(())
        }

        /// Wait until every line handed over is written, then sync the
        /// file's data to disk (a special file that cannot be synced, such
        /// as /dev/stdout, has nothing to sync).
        pub fn sync(&mut self) -> io::Result<()> {
            self.settle()?;
            match self.file.sync_data() {
                Ok(()) | Err(ErrorCode::Invalid) => Ok(()),
                Err(e) => Err(code_error(e)),
            }
        }

        /// Wait for the last write; lines whose write failed are handed
        /// again on a new stream and waited for.
        fn settle(&mut self) -> io::Result<()> {
            if std::mem::take(&mut self.in_flight) {
                let written = match &self.stream {
                    Some(s) => s.blocking_flush(),
                    None => Err(StreamError::Closed),
                };
                if let Err(e) = written {
                    self.stream = None;
                    return Err(stream_error(e));
                }
                self.pending.clear();
            }
            if !self.pending.is_empty() {
                let stream = stream(&mut self.stream, &self.file)?;
                if let Err(e) = hand(stream, &self.pending).and_then(|()| stream.blocking_flush()) {
                    self.stream = None;
                    return Err(stream_error(e));
                }
                self.pending.clear();
            }
            Ok(())
        }
    }

    /// The append stream, opened again after a failed write closed it.
    fn stream<'a>(
        slot: &'a mut Option<OutputStream>,
        file: &Descriptor,
    ) -> io::Result<&'a OutputStream> {
        match slot {
            Some(s) => Ok(s),
            None => Ok(slot.insert(file.append_via_stream().map_err(code_error)?)),
        }
    }

    /// Give every byte to the stream, waiting only while it is busy with
    /// an earlier part (the host takes at most its `check-write` permit at
    /// a time).
    fn hand(stream: &OutputStream, mut bytes: &[u8]) -> Result<(), StreamError> {
        while !bytes.is_empty() {
            let permit = stream.check_write()?;
            if permit == 0 {
                stream.subscribe().block();
                continue;
            }
            let n = bytes
                .len()
                .min(usize::try_from(permit).unwrap_or(usize::MAX));
            stream.write(&bytes[..n])?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// The granted folder holding `path` (the deepest, as wasi-libc picks
    /// one for std's `open`), and `path` relative to it.
    fn granted_folder(path: &str) -> io::Result<(Descriptor, String)> {
        let mut best: Option<(Descriptor, usize)> = None;
        for (dir, guest) in get_directories() {
            let inside = guest == "/"
                || path
                    .strip_prefix(guest.trim_end_matches('/'))
                    .is_some_and(|rest| rest.starts_with('/'));
            if inside && best.as_ref().is_none_or(|(_, len)| guest.len() > *len) {
                best = Some((dir, guest.len()));
            }
        }
        let (dir, len) = best.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the file is not in a folder this plugin was granted",
            )
        })?;
        Ok((dir, path[len..].trim_start_matches('/').to_owned()))
    }

    /// An error code in words, as `strerror` says it ("No space left on
    /// device"): the first clause of WASI's description of the code.
    fn code_error(e: ErrorCode) -> io::Error {
        let message = e.message();
        let words = message.split(", similar to").next().unwrap_or(message);
        io::Error::other(words.trim_end_matches('.').to_owned())
    }

    fn stream_error(e: StreamError) -> io::Error {
        match e {
            StreamError::LastOperationFailed(e) => match filesystem_error_code(&e) {
                Some(code) => code_error(code),
                None => io::Error::other(e.to_debug_string()),
            },
            StreamError::Closed => io::Error::other("the file's stream was closed"),
        }
    }
}

#[cfg(not(all(target_os = "wasi", target_env = "p2")))]
mod native {
    use super::io;
    use std::fs::{File, OpenOptions};
    use std::io::Write;

    /// The file, written through std.
    pub struct Appender {
        out: File,
    }

    impl Appender {
        /// Open `path` for appending, creating it if needed.
        pub fn open(path: &str) -> io::Result<Self> {
            let out = OpenOptions::new().create(true).append(true).open(path)?;
            Ok(Self { out })
        }

        /// Write `lines` (which comes back empty).
        pub fn append(&mut self, lines: &mut Vec<u8>) -> io::Result<()> {
            self.out.write_all(lines)?;
            lines.clear();
            Ok(())
        }

        /// Sync the file's data to disk (a special file that cannot be
        /// synced, such as /dev/stdout, has nothing to sync).
        pub fn sync(&mut self) -> io::Result<()> {
            match self.out.sync_data() {
                Err(e) if e.kind() != io::ErrorKind::InvalidInput => Err(e),
                _ => Ok(()),
            }
        }
    }
}
