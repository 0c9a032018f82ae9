//! Path resolution inside a directory descriptor: the sandbox.
//!
//! A guest path is never handed to the host as a whole. It is walked one
//! component at a time, each directory opened with `openat(O_NOFOLLOW)`
//! relative to the one before, starting from the directory descriptor the
//! guest named. So:
//!
//! - an absolute path is refused (`notcapable`);
//! - `..` pops one directory off the walk, and popping past the start is
//!   refused (`notcapable`), even when the start is a subdirectory of a
//!   preopen: every directory descriptor is a boundary of its own;
//! - a symbolic link is read with `readlinkat` and its target walked the same
//!   way, from the directory that holds the link; an absolute target or one
//!   that climbs out is refused like the path itself, and more than
//!   [`MAX_SYMLINKS`] links is a loop (`loop`);
//! - the last component is returned as a name inside its parent directory's
//!   descriptor, and the calls act on it with `*at` system calls that do not
//!   follow symbolic links. A link swapped in after the walk looked at a
//!   component makes the `O_NOFOLLOW` open or the `*at` call fail; the kernel
//!   never follows it.

use super::errno::{Errno, WasiResult};
use super::sys;
use std::collections::VecDeque;
use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// How many symbolic links one resolution may follow, as on Linux.
pub(crate) const MAX_SYMLINKS: u32 = 40;

/// A resolved path: a name inside a directory descriptor.
pub(crate) struct Resolved {
    /// The directory holding the last component.
    pub parent: OwnedFd,
    /// The last component: a plain name, or `.` for the directory itself.
    pub name: CString,
    /// The path ended with `/`, so the last component must be a directory.
    pub must_be_dir: bool,
}

impl Resolved {
    /// The parent directory.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.parent.as_fd()
    }

    /// The host's status of the last component itself (not of a link's target).
    pub fn stat(&self) -> WasiResult<libc::stat> {
        sys::stat_at(self.dir(), &self.name, libc::AT_SYMLINK_NOFOLLOW)
    }

    /// Whether the last component is a directory (not a link to one).
    pub fn is_dir(&self) -> WasiResult<bool> {
        Ok(self.stat()?.st_mode & libc::S_IFMT == libc::S_IFDIR)
    }

    /// `notdir` if the path ended with `/` but names something that exists and
    /// is not a directory.
    pub fn check_trailing_slash(&self) -> WasiResult<()> {
        match self.stat() {
            Ok(stat) if self.must_be_dir && stat.st_mode & libc::S_IFMT != libc::S_IFDIR => {
                Err(Errno::NotDir)
            }
            _ => Ok(()),
        }
    }
}

/// One piece of a path between slashes; empty pieces are dropped.
fn components(path: &[u8]) -> WasiResult<VecDeque<Vec<u8>>> {
    if path.first() == Some(&b'/') {
        return Err(Errno::NotCapable);
    }
    Ok(path
        .split(|&b| b == b'/')
        .filter(|component| !component.is_empty())
        .map(<[u8]>::to_vec)
        .collect())
}

/// Resolves `path` inside the directory `start`. With `follow_last`, a
/// symbolic link in the last component is followed too; otherwise the link
/// itself is the result.
pub(crate) fn resolve(start: BorrowedFd, path: &[u8], follow_last: bool) -> WasiResult<Resolved> {
    if path.is_empty() {
        return Err(Errno::NoEnt);
    }
    let mut pending = components(path)?;
    let mut must_be_dir = path.ends_with(b"/");
    // The directories walked so far; the first is the start, which cannot be popped.
    let mut walked: Vec<OwnedFd> = vec![start.try_clone_to_owned()?];
    let mut links_followed = 0;
    loop {
        let current = walked.last().expect("the start is never popped").as_fd();
        let Some(component) = pending.pop_front() else {
            return finish(walked, b".", true);
        };
        let is_last = pending.is_empty();
        match component.as_slice() {
            b"." => {
                if is_last {
                    return finish(walked, b".", true);
                }
            }
            b".." => {
                if walked.len() == 1 {
                    return Err(Errno::NotCapable);
                }
                walked.pop();
                if is_last {
                    return finish(walked, b".", true);
                }
            }
            name => {
                let c_name = sys::c_name(name)?;
                if is_last && !follow_last {
                    return finish(walked, name, must_be_dir);
                }
                if is_last {
                    match sys::readlink_at(current, &c_name) {
                        Ok(target) => {
                            follow_link(&mut pending, &target, &mut links_followed)?;
                            must_be_dir |= target.ends_with(b"/");
                            continue;
                        }
                        Err(_) => return finish(walked, name, must_be_dir),
                    }
                }
                let flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW;
                match sys::open_at(current, &c_name, flags, 0) {
                    Ok(dir) => walked.push(dir),
                    Err(Errno::NotDir | Errno::Loop) => match sys::readlink_at(current, &c_name) {
                        Ok(target) => follow_link(&mut pending, &target, &mut links_followed)?,
                        Err(_) => return Err(Errno::NotDir),
                    },
                    Err(errno) => return Err(errno),
                }
            }
        }
    }
}

/// Puts the components of a link's `target` in front of what is left to walk.
fn follow_link(
    pending: &mut VecDeque<Vec<u8>>,
    target: &[u8],
    links_followed: &mut u32,
) -> WasiResult<()> {
    *links_followed += 1;
    if *links_followed > MAX_SYMLINKS {
        return Err(Errno::Loop);
    }
    if target.is_empty() {
        return Err(Errno::NoEnt);
    }
    for component in components(target)?.into_iter().rev() {
        pending.push_front(component);
    }
    Ok(())
}

fn finish(mut walked: Vec<OwnedFd>, name: &[u8], must_be_dir: bool) -> WasiResult<Resolved> {
    Ok(Resolved {
        parent: walked.pop().expect("the start is never popped"),
        name: sys::c_name(name)?,
        must_be_dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    struct Scratch {
        root: std::path::PathBuf,
    }

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let root =
                std::env::temp_dir().join(format!("kiln-sandbox-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join("box/sub")).unwrap();
            std::fs::write(root.join("secret"), "outside").unwrap();
            std::fs::write(root.join("box/sub/file"), "inside").unwrap();
            Scratch { root }
        }

        fn open_box(&self) -> OwnedFd {
            std::fs::File::open(self.root.join("box")).unwrap().into()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    fn resolve_name(dir: &OwnedFd, path: &str, follow: bool) -> WasiResult<String> {
        let resolved = resolve(dir.as_fd(), path.as_bytes(), follow)?;
        Ok(resolved.name.to_str().unwrap().to_string())
    }

    #[test]
    fn plain_and_dotted_paths_stay_inside() {
        let scratch = Scratch::new("plain");
        let dir = scratch.open_box();
        assert_eq!(resolve_name(&dir, "sub/file", true), Ok("file".into()));
        assert_eq!(
            resolve_name(&dir, "sub/../sub/./file", true),
            Ok("file".into())
        );
        assert_eq!(resolve_name(&dir, "sub/..", true), Ok(".".into()));
        assert_eq!(resolve_name(&dir, "", true).err(), Some(Errno::NoEnt));
    }

    #[test]
    fn escapes_are_refused() {
        let scratch = Scratch::new("escapes");
        let dir = scratch.open_box();
        symlink("../secret", scratch.root.join("box/up")).unwrap();
        symlink(scratch.root.join("secret"), scratch.root.join("box/abs")).unwrap();
        symlink("..", scratch.root.join("box/sub/parent")).unwrap();
        for path in [
            "..",
            "../secret",
            "sub/../../secret",
            "/etc/passwd",
            "up",
            "abs",
            "sub/parent/up",
        ] {
            assert_eq!(
                resolve_name(&dir, path, true).err(),
                Some(Errno::NotCapable),
                "{path}"
            );
        }
        // Not following the last link names the link itself, which is inside.
        assert_eq!(resolve_name(&dir, "up", false), Ok("up".into()));
        assert_eq!(
            resolve_name(&dir, "sub/parent/sub/file", true),
            Ok("file".into())
        );
    }

    #[test]
    fn link_loops_end() {
        let scratch = Scratch::new("loops");
        let dir = scratch.open_box();
        symlink("b", scratch.root.join("box/a")).unwrap();
        symlink("a", scratch.root.join("box/b")).unwrap();
        assert_eq!(resolve_name(&dir, "a", true).err(), Some(Errno::Loop));
        assert_eq!(resolve_name(&dir, "a/x", true).err(), Some(Errno::Loop));
    }
}
