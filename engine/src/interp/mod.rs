//! The reference interpreter: the definition of correct behaviour that every
//! compiler tier is tested against. It translates each function body once into
//! a compact form ([`op`]) and runs it on a stack of raw 64-bit slots ([`exec`]).

mod exec;
mod numeric;
mod op;
mod translate;

pub(crate) use exec::call;
pub(crate) use op::Code;
pub(crate) use translate::translate;
