//! Standard input and output as non-blocking pipes, read and written from the
//! runtime's own threads.
//!
//! `tokio::io::stdin` and `stdout` do each read and write on a blocking-pool
//! thread, so every message crosses two threads before it is handled and a
//! publish crosses two more before it leaves. Editors start language servers
//! with pipes (or sockets), which the runtime's poller can wait on directly:
//! a message is read on the thread that then handles it, and a publish is
//! written by the thread that built it. A terminal or a file is left as it
//! is, and the server falls back to tokio's blocking standard streams.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::fs::FileTypeExt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A pipe or socket of this process (standard input or output) in
/// non-blocking mode. Its original flags come back when it is dropped.
pub struct Pipe {
    fd: AsyncFd<File>,
    flags: libc::c_int,
}

/// A whole `publishDiagnostics` of hundreds of findings is a few hundred KB;
/// with the default 64 KB pipe the server would write it in pieces, each
/// waiting for the client to read the one before.
const PIPE_SIZE: libc::c_int = 1 << 20;

impl Pipe {
    /// `fd` as a non-blocking pipe, or `None` when it is not a pipe or a
    /// socket (a terminal or a file), or the poller does not take it.
    pub fn new(fd: BorrowedFd<'_>) -> Option<Pipe> {
        let file = File::from(fd.try_clone_to_owned().ok()?);
        let kind = file.metadata().ok()?.file_type();
        if !kind.is_fifo() && !kind.is_socket() {
            return None;
        }
        let raw = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns; plain ints.
        let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
        if flags < 0 {
            return None;
        }
        if kind.is_fifo() {
            // Best effort: a larger pipe is an optimisation, and the limit
            // for unprivileged processes may be lower.
            // SAFETY: as above.
            unsafe { libc::fcntl(raw, libc::F_SETPIPE_SZ, PIPE_SIZE) };
        }
        // SAFETY: the AsyncFd owns the file, and nothing replaces or closes
        // its descriptor while it is registered.
        let fd = unsafe { AsyncFd::register(file) }.ok()?;
        let pipe = Pipe { fd, flags };
        pipe.set_flags(flags | libc::O_NONBLOCK).then_some(pipe)
    }

    /// Sets the descriptor's status flags (shared with whoever else holds
    /// the same pipe); whether that worked.
    fn set_flags(&self, flags: libc::c_int) -> bool {
        // SAFETY: fcntl on the descriptor this pipe owns; plain ints.
        unsafe { libc::fcntl(self.fd.get_ref().as_raw_fd(), libc::F_SETFL, flags) >= 0 }
    }

    /// Runs one read or write once the poller says the pipe is ready, until
    /// it neither blocks nor is interrupted.
    fn poll_io<T>(
        &self,
        cx: &mut Context<'_>,
        write: bool,
        mut io: impl FnMut(&File) -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        loop {
            let mut ready = if write {
                ready!(self.fd.poll_write_ready(cx))?
            } else {
                ready!(self.fd.poll_read_ready(cx))?
            };
            match ready.try_io(|fd| io(fd.get_ref())) {
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(done) => return Poll::Ready(done),
                // Not ready after all: wait for the poller again.
                Err(_would_block) => continue,
            }
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        self.set_flags(self.flags);
    }
}

impl AsyncRead for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        let n = ready!(self.poll_io(cx, false, |mut f| f.read(unfilled)))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Pipe {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, true, |mut f| f.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn flags(fd: &impl AsRawFd) -> libc::c_int {
        // SAFETY: fcntl on an open descriptor.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_frame_crosses_a_pipe_whole_and_the_flags_come_back() {
        let (r, w) = std::io::pipe().unwrap();
        let before = flags(&w);
        let frame: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut reader = Pipe::new(r.as_fd()).expect("a pipe");
        let mut writer = Pipe::new(w.as_fd()).expect("a pipe");
        assert_ne!(flags(&w) & libc::O_NONBLOCK, 0);
        // Larger than any pipe: the writer must wait for the reader.
        let sent = frame.clone();
        let write = tokio::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            drop(writer);
        });
        let mut got = vec![0; frame.len()];
        let limit = std::time::Duration::from_secs(20);
        tokio::time::timeout(limit, reader.read_exact(&mut got))
            .await
            .expect("the whole frame arrives")
            .unwrap();
        write.await.unwrap();
        assert!(got == frame, "the bytes arrive unchanged and in order");
        assert_eq!(flags(&w), before, "the writer's flags are restored");
    }

    #[test]
    fn a_regular_file_is_not_a_pipe() {
        let file =
            std::fs::File::open(env!("CARGO_MANIFEST_DIR").to_string() + "/Cargo.toml").unwrap();
        assert!(Pipe::new(file.as_fd()).is_none());
    }
}
