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

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A pipe or socket of this process (standard input or output) in
/// non-blocking mode. Its original flags come back when it is dropped.
pub struct Pipe {
    fd: AsyncFd<OwnedFd>,
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
        let raw = fd.as_raw_fd();
        // SAFETY: fstat writes into the zeroed struct it is given; `raw` is
        // an open descriptor borrowed for this call.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(raw, &mut stat) } != 0 {
            return None;
        }
        let kind = stat.st_mode & libc::S_IFMT;
        if kind != libc::S_IFIFO && kind != libc::S_IFSOCK {
            return None;
        }
        let owned = fd.try_clone_to_owned().ok()?;
        // SAFETY: fcntl on an open descriptor we own; the flags are plain ints.
        let flags = unsafe { libc::fcntl(owned.as_raw_fd(), libc::F_GETFL) };
        if flags < 0
            || unsafe { libc::fcntl(owned.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) }
                < 0
        {
            return None;
        }
        if kind == libc::S_IFIFO {
            // Best effort: a larger pipe is an optimisation, and the limit
            // for unprivileged processes may be lower.
            // SAFETY: as above.
            unsafe { libc::fcntl(owned.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
        }
        let restore = owned.try_clone().ok();
        // SAFETY: `owned` is an open descriptor that the AsyncFd owns and
        // nothing replaces or closes while it is registered.
        match unsafe { AsyncFd::register(owned) } {
            Ok(fd) => Some(Pipe { fd, flags }),
            Err(_) => {
                if let Some(r) = restore {
                    // SAFETY: as above.
                    unsafe { libc::fcntl(r.as_raw_fd(), libc::F_SETFL, flags) };
                }
                None
            }
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // The descriptor's flags are shared with whoever else holds it.
        // SAFETY: fcntl on the descriptor this pipe still owns.
        unsafe { libc::fcntl(self.fd.get_ref().as_raw_fd(), libc::F_SETFL, self.flags) };
    }
}

/// One `read(2)` or `write(2)`, with its result as an `io::Result`.
fn check(n: libc::ssize_t) -> io::Result<usize> {
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

impl AsyncRead for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut ready = ready!(self.fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let read = ready.try_io(|fd| {
                // SAFETY: reads at most `unfilled.len()` bytes into it.
                check(unsafe {
                    libc::read(
                        fd.get_ref().as_fd().as_raw_fd(),
                        unfilled.as_mut_ptr().cast(),
                        unfilled.len(),
                    )
                })
            });
            match read {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                // Not ready after all: wait for the poller again.
                Err(_would_block) => continue,
            }
        }
    }
}

impl AsyncWrite for Pipe {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let mut ready = ready!(self.fd.poll_write_ready(cx))?;
            let written = ready.try_io(|fd| {
                // SAFETY: writes at most `buf.len()` bytes from it.
                check(unsafe {
                    libc::write(
                        fd.get_ref().as_fd().as_raw_fd(),
                        buf.as_ptr().cast(),
                        buf.len(),
                    )
                })
            });
            match written {
                Ok(Ok(n)) => return Poll::Ready(Ok(n)),
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn pipe() -> (OwnedFd, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two new descriptors into the array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        use std::os::fd::FromRawFd;
        // SAFETY: both descriptors were just opened and are owned here.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }

    fn flags(fd: &OwnedFd) -> libc::c_int {
        // SAFETY: fcntl on an open descriptor.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_frame_crosses_a_pipe_whole_and_the_flags_come_back() {
        let (r, w) = pipe();
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
