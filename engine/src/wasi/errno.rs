//! WASI error numbers: the `errno` type of `wasi_snapshot_preview1`, with the
//! exact values the specification gives them, and the mapping from the host's
//! `errno` values so that every failing system call reports the matching code.

/// An error number as a WASI call returns it. The values are the ones of the
/// `errno` enumeration in the `wasi_snapshot_preview1` specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub(crate) enum Errno {
    TooBig = 1,
    Acces = 2,
    AddrInUse = 3,
    AddrNotAvail = 4,
    AfNoSupport = 5,
    Again = 6,
    Already = 7,
    Badf = 8,
    BadMsg = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    ConnAborted = 13,
    ConnRefused = 14,
    ConnReset = 15,
    Deadlk = 16,
    DestAddrReq = 17,
    Dom = 18,
    Dquot = 19,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    HostUnreach = 23,
    Idrm = 24,
    Ilseq = 25,
    InProgress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    IsConn = 30,
    IsDir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    MsgSize = 35,
    Multihop = 36,
    NameTooLong = 37,
    NetDown = 38,
    NetReset = 39,
    NetUnreach = 40,
    Nfile = 41,
    NoBufs = 42,
    NoDev = 43,
    NoEnt = 44,
    NoExec = 45,
    NoLck = 46,
    NoLink = 47,
    NoMem = 48,
    NoMsg = 49,
    NoProtoOpt = 50,
    NoSpc = 51,
    NoSys = 52,
    NotConn = 53,
    NotDir = 54,
    NotEmpty = 55,
    NotRecoverable = 56,
    NotSock = 57,
    NotSup = 58,
    NoTty = 59,
    Nxio = 60,
    Overflow = 61,
    OwnerDead = 62,
    Perm = 63,
    Pipe = 64,
    Proto = 65,
    ProtoNoSupport = 66,
    ProtoType = 67,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Srch = 71,
    Stale = 72,
    TimedOut = 73,
    TxtBsy = 74,
    Xdev = 75,
    NotCapable = 76,
}

impl Errno {
    /// The number the guest sees.
    pub(crate) fn code(self) -> u16 {
        self as u16
    }

    /// The WASI error for a host `errno` value. A value with no WASI counterpart
    /// becomes `io`.
    pub(crate) fn from_host(errno: i32) -> Errno {
        match errno {
            libc::E2BIG => Errno::TooBig,
            libc::EACCES => Errno::Acces,
            libc::EADDRINUSE => Errno::AddrInUse,
            libc::EADDRNOTAVAIL => Errno::AddrNotAvail,
            libc::EAFNOSUPPORT => Errno::AfNoSupport,
            libc::EAGAIN => Errno::Again,
            libc::EALREADY => Errno::Already,
            libc::EBADF => Errno::Badf,
            libc::EBADMSG => Errno::BadMsg,
            libc::EBUSY => Errno::Busy,
            libc::ECANCELED => Errno::Canceled,
            libc::ECHILD => Errno::Child,
            libc::ECONNABORTED => Errno::ConnAborted,
            libc::ECONNREFUSED => Errno::ConnRefused,
            libc::ECONNRESET => Errno::ConnReset,
            libc::EDEADLK => Errno::Deadlk,
            libc::EDESTADDRREQ => Errno::DestAddrReq,
            libc::EDOM => Errno::Dom,
            libc::EDQUOT => Errno::Dquot,
            libc::EEXIST => Errno::Exist,
            libc::EFAULT => Errno::Fault,
            libc::EFBIG => Errno::Fbig,
            libc::EHOSTUNREACH => Errno::HostUnreach,
            libc::EIDRM => Errno::Idrm,
            libc::EILSEQ => Errno::Ilseq,
            libc::EINPROGRESS => Errno::InProgress,
            libc::EINTR => Errno::Intr,
            libc::EINVAL => Errno::Inval,
            libc::EIO => Errno::Io,
            libc::EISCONN => Errno::IsConn,
            libc::EISDIR => Errno::IsDir,
            libc::ELOOP => Errno::Loop,
            libc::EMFILE => Errno::Mfile,
            libc::EMLINK => Errno::Mlink,
            libc::EMSGSIZE => Errno::MsgSize,
            libc::EMULTIHOP => Errno::Multihop,
            libc::ENAMETOOLONG => Errno::NameTooLong,
            libc::ENETDOWN => Errno::NetDown,
            libc::ENETRESET => Errno::NetReset,
            libc::ENETUNREACH => Errno::NetUnreach,
            libc::ENFILE => Errno::Nfile,
            libc::ENOBUFS => Errno::NoBufs,
            libc::ENODEV => Errno::NoDev,
            libc::ENOENT => Errno::NoEnt,
            libc::ENOEXEC => Errno::NoExec,
            libc::ENOLCK => Errno::NoLck,
            libc::ENOLINK => Errno::NoLink,
            libc::ENOMEM => Errno::NoMem,
            libc::ENOMSG => Errno::NoMsg,
            libc::ENOPROTOOPT => Errno::NoProtoOpt,
            libc::ENOSPC => Errno::NoSpc,
            libc::ENOSYS => Errno::NoSys,
            libc::ENOTCONN => Errno::NotConn,
            libc::ENOTDIR => Errno::NotDir,
            libc::ENOTEMPTY => Errno::NotEmpty,
            libc::ENOTRECOVERABLE => Errno::NotRecoverable,
            libc::ENOTSOCK => Errno::NotSock,
            libc::EOPNOTSUPP => Errno::NotSup,
            libc::ENOTTY => Errno::NoTty,
            libc::ENXIO => Errno::Nxio,
            libc::EOVERFLOW => Errno::Overflow,
            libc::EOWNERDEAD => Errno::OwnerDead,
            libc::EPERM => Errno::Perm,
            libc::EPIPE => Errno::Pipe,
            libc::EPROTO => Errno::Proto,
            libc::EPROTONOSUPPORT => Errno::ProtoNoSupport,
            libc::EPROTOTYPE => Errno::ProtoType,
            libc::ERANGE => Errno::Range,
            libc::EROFS => Errno::Rofs,
            libc::ESPIPE => Errno::Spipe,
            libc::ESRCH => Errno::Srch,
            libc::ESTALE => Errno::Stale,
            libc::ETIMEDOUT => Errno::TimedOut,
            libc::ETXTBSY => Errno::TxtBsy,
            libc::EXDEV => Errno::Xdev,
            _ => Errno::Io,
        }
    }
}

impl From<std::io::Error> for Errno {
    fn from(err: std::io::Error) -> Errno {
        err.raw_os_error().map_or(Errno::Io, Errno::from_host)
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?} (WASI errno {})", self.code())
    }
}

/// The outcome of a WASI call: `Ok` is `errno::success` (0).
pub(crate) type WasiResult<T> = Result<T, Errno>;
