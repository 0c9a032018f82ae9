//! The symbolic machine state of the checker: the values each register and
//! spill slot is known to hold.
//!
//! Only locations that hold something are stored, sorted by location, so
//! that copying a state (once per block and edge) costs as much as there are
//! live values, not as much as the frame is large.
//!
//! The state also knows which block parameters are equal to a constant
//! (every edge into the block passed that constant), so that recomputing the
//! constant after the edge also produces the parameter.

use smallvec::SmallVec;

use crate::types::VReg;

/// The values one location holds.
pub(super) type Values = SmallVec<[VReg; 2]>;

/// What every location holds; a location is a dense index (registers, then
/// spill slots).
#[derive(Clone, Debug, Default)]
pub(super) struct State {
    entries: Vec<(u32, Values)>,
    /// Pairs `(parameter, constant)` of parameters known to equal a constant.
    constant_params: Vec<(VReg, VReg)>,
}

impl State {
    fn find(&self, loc: u32) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&loc, |&(l, _)| l)
    }

    /// The values `loc` holds.
    pub(super) fn get(&self, loc: u32) -> &[VReg] {
        match self.find(loc) {
            Ok(index) => &self.entries[index].1,
            Err(_) => &[],
        }
    }

    /// Makes `loc` hold exactly `values`.
    pub(super) fn set(&mut self, loc: u32, values: Values) {
        match (self.find(loc), values.is_empty()) {
            (Ok(index), true) => {
                self.entries.remove(index);
            }
            (Ok(index), false) => self.entries[index].1 = values,
            (Err(_), true) => {}
            (Err(index), false) => self.entries.insert(index, (loc, values)),
        }
    }

    /// Forgets every copy of `v` (it is being redefined).
    pub(super) fn kill(&mut self, v: VReg) {
        for (_, values) in &mut self.entries {
            values.retain(|held| *held != v);
        }
        self.entries.retain(|(_, values)| !values.is_empty());
    }

    /// Where `v` is held.
    pub(super) fn locations_of(&self, v: VReg) -> impl Iterator<Item = u32> + '_ {
        self.entries
            .iter()
            .filter(move |(_, values)| values.contains(&v))
            .map(|&(loc, _)| loc)
    }

    /// Adds `v` to what `loc` holds.
    pub(super) fn add(&mut self, loc: u32, v: VReg) {
        match self.find(loc) {
            Ok(index) => self.entries[index].1.push(v),
            Err(index) => self.entries.insert(index, (loc, SmallVec::from_elem(v, 1))),
        }
    }

    /// The values a recomputation of the constant `c` produces: `c`, and the
    /// parameters known to equal it.
    pub(super) fn equal_to_constant(&self, c: VReg) -> Values {
        let mut values = SmallVec::from_elem(c, 1);
        values.extend(
            self.constant_params
                .iter()
                .filter(|&&(_, constant)| constant == c)
                .map(|&(param, _)| param),
        );
        values
    }

    /// Records that each of `params` now equals the constant its argument
    /// is or equals (if it does), forgetting what was known before.
    pub(super) fn bind_params(
        &mut self,
        params: &[VReg],
        args: &[VReg],
        is_constant: impl Fn(VReg) -> bool,
    ) {
        let bound: SmallVec<[(VReg, VReg); 4]> = params
            .iter()
            .zip(args)
            .filter_map(|(&param, &arg)| {
                let constant = if is_constant(arg) {
                    Some(arg)
                } else {
                    self.constant_params
                        .iter()
                        .find(|&&(p, _)| p == arg)
                        .map(|&(_, c)| c)
                };
                constant.map(|c| (param, c))
            })
            .collect();
        self.constant_params.retain(|(p, _)| !params.contains(p));
        self.constant_params.extend(bound);
    }

    /// Keeps only what `other` holds too; returns whether anything was
    /// dropped.
    pub(super) fn meet(&mut self, other: &State) -> bool {
        let before = self.constant_params.len();
        self.constant_params
            .retain(|pair| other.constant_params.contains(pair));
        let mut changed = self.constant_params.len() != before;
        for (loc, values) in &mut self.entries {
            let theirs = other.get(*loc);
            let before = values.len();
            values.retain(|v| theirs.contains(v));
            changed |= values.len() != before;
        }
        self.entries.retain(|(_, values)| !values.is_empty());
        changed
    }
}
