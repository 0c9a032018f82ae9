//! The initial contents of a module's memories, prepared once per module so
//! that instantiation writes each contiguous run of data with one copy
//! instead of evaluating and copying segment by segment, or, where data
//! touches several pages, maps a file holding the contents copy-on-write
//! (see [`CowImage`]) and copies nothing at all.
//!
//! Tables get images the same way: the functions that active element
//! segments put at constant offsets, so that instantiation writes each
//! element's reference without evaluating or keeping the segments.
//!
//! A module gets a memory image only when instantiating it can never trap in its
//! data segments and nothing but the image decides what they write: every
//! active data segment has a constant offset, targets a memory the module
//! defines (a fresh, zeroed memory, so the zeros between merged segments
//! change nothing) and lies within that memory's initial size. Otherwise
//! instantiation runs the segments one by one, as the specification says,
//! trapping at the first that does not fit.

use super::info::{ConstExpr, ModuleInfo, SegmentMode};
use crate::runtime::{CowImage, PAGE_SIZE, host_page_size};

/// Segments closer than this are merged into one run; the bytes between
/// them are zeros in the image, which cost less to copy than a second run.
const MERGE_GAP: u64 = 4096;

/// Data that touches at least this many host pages of a memory is mapped;
/// less is copied, which costs less than a mapping.
const MAP_FROM_PAGES: usize = 4;

/// The initial contents of one memory the module defines.
#[derive(Debug)]
pub(crate) struct MemoryImage {
    /// The memory, in the module's memory index space.
    pub memory: u32,
    /// The contents as runs to copy, in order of offset.
    pub runs: Vec<MemoryImageRun>,
    /// The contents as a file to map, when they touch enough pages and the
    /// host can make one.
    pub mapped: Option<CowImage>,
}

/// One contiguous run of initial bytes of a memory the module defines.
#[derive(Debug)]
pub(crate) struct MemoryImageRun {
    /// The memory, in the module's memory index space.
    pub memory: u32,
    /// Where the run starts in the memory.
    pub offset: usize,
    /// The bytes: the segments that fall in the run, later ones over
    /// earlier ones, and zeros between them.
    pub bytes: Box<[u8]>,
}

/// The elements an active element segment puts in a table the module
/// defines.
#[derive(Debug)]
pub(crate) struct TableImage {
    /// The table, in the module's table index space.
    pub table: u32,
    /// Where the first element goes.
    pub offset: usize,
    /// Each element's function, in the module's function index space, or
    /// `None` for null.
    pub funcs: Box<[Option<u32>]>,
}

/// The elements that active element segments put in the module's tables,
/// or `None` when instantiation must run the segments one by one: when one
/// of them has a computed offset, targets an imported table (which holds
/// elements of its own), may not fit the table's initial size (and so
/// traps), or has an item that is not a function or null.
pub(crate) fn table_images(info: &ModuleInfo) -> Option<Vec<TableImage>> {
    let mut images = Vec::new();
    for segment in &info.elems {
        let SegmentMode::Active { index, offset } = segment.mode else {
            continue;
        };
        let ConstExpr::I32(offset) = offset else {
            return None;
        };
        if index < info.num_imported_tables {
            return None;
        }
        let offset = u64::from(offset as u32);
        if offset + segment.items.len() as u64 > info.tables[index as usize].limits.min {
            return None;
        }
        let funcs = segment
            .items
            .iter()
            .map(|item| match *item {
                ConstExpr::RefFunc(func) => Some(Some(func)),
                ConstExpr::RefNull => Some(None),
                _ => None,
            })
            .collect::<Option<_>>()?;
        images.push(TableImage {
            table: index,
            offset: offset as usize,
            funcs,
        });
    }
    Some(images)
}

/// An active data segment whose place is known before instantiation.
struct Placed {
    memory: u32,
    offset: u64,
    /// Where its bytes are in the module's binary.
    bytes: std::ops::Range<usize>,
}

/// The initial contents of the module's memories that data segments write,
/// or `None` when instantiation must run the data segments one by one.
pub(crate) fn memory_images(info: &ModuleInfo, binary: &[u8]) -> Option<Vec<MemoryImage>> {
    let mut placed = Vec::new();
    for segment in &info.datas {
        let SegmentMode::Active { index, offset } = segment.mode else {
            continue;
        };
        let ConstExpr::I32(offset) = offset else {
            return None;
        };
        if index < info.num_imported_memories {
            return None;
        }
        let initial = info.memories[index as usize].limits.min * PAGE_SIZE as u64;
        let offset = u64::from(offset as u32);
        if offset + segment.bytes.len() as u64 > initial {
            return None;
        }
        placed.push(Placed {
            memory: index,
            offset,
            bytes: segment.bytes.clone(),
        });
    }
    let mut images: Vec<MemoryImage> = Vec::new();
    for run in runs(&placed, binary) {
        match images.last_mut() {
            Some(image) if image.memory == run.memory => image.runs.push(run),
            _ => images.push(MemoryImage {
                memory: run.memory,
                runs: vec![run],
                mapped: None,
            }),
        }
    }
    for image in &mut images {
        image.mapped = mapped(&image.runs);
    }
    Some(images)
}

/// The runs of one memory as a file to map, if they touch enough pages.
fn mapped(runs: &[MemoryImageRun]) -> Option<CowImage> {
    let page = host_page_size();
    let pages_touched: usize = runs
        .iter()
        .map(|run| (run.offset + run.bytes.len()).div_ceil(page) - run.offset / page)
        .sum();
    if pages_touched < MAP_FROM_PAGES {
        return None;
    }
    let last = runs.last()?;
    let len = (last.offset + last.bytes.len()).next_multiple_of(page);
    CowImage::new(len, runs.iter().map(|run| (run.offset, &run.bytes[..]))).ok()
}

/// Merges the placed segments into runs, each written in segment order.
fn runs(placed: &[Placed], binary: &[u8]) -> Vec<MemoryImageRun> {
    let mut spans: Vec<(u32, u64, u64)> = placed
        .iter()
        .filter(|segment| !segment.bytes.is_empty())
        .map(|segment| {
            let end = segment.offset + segment.bytes.len() as u64;
            (segment.memory, segment.offset, end)
        })
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(u32, u64, u64)> = Vec::new();
    for (memory, start, end) in spans {
        match merged.last_mut() {
            Some(last) if last.0 == memory && start <= last.2 + MERGE_GAP => {
                last.2 = last.2.max(end);
            }
            _ => merged.push((memory, start, end)),
        }
    }
    let mut runs: Vec<MemoryImageRun> = merged
        .iter()
        .map(|&(memory, start, end)| MemoryImageRun {
            memory,
            offset: start as usize,
            bytes: vec![0; (end - start) as usize].into_boxed_slice(),
        })
        .collect();
    for segment in placed.iter().filter(|segment| !segment.bytes.is_empty()) {
        let run = runs
            .iter_mut()
            .find(|run| {
                run.memory == segment.memory
                    && run.offset as u64 <= segment.offset
                    && segment.offset < (run.offset + run.bytes.len()) as u64
            })
            .expect("every segment lies in the run made from it");
        let at = segment.offset as usize - run.offset;
        run.bytes[at..at + segment.bytes.len()].copy_from_slice(&binary[segment.bytes.clone()]);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(memory: u32, offset: u64, bytes: std::ops::Range<usize>) -> Placed {
        Placed {
            memory,
            offset,
            bytes,
        }
    }

    #[test]
    fn close_segments_merge_into_one_run_with_zeros_between() {
        let binary = b"abcdefgh";
        let runs = runs(&[placed(0, 10, 0..2), placed(0, 14, 2..4)], binary);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].offset, 10);
        assert_eq!(&runs[0].bytes[..], b"ab\0\0cd");
    }

    #[test]
    fn later_segments_overwrite_earlier_ones() {
        let binary = b"aaaaBB";
        let runs = runs(&[placed(0, 0, 0..4), placed(0, 1, 4..6)], binary);
        assert_eq!(runs.len(), 1);
        assert_eq!(&runs[0].bytes[..], b"aBBa");
    }

    #[test]
    fn distant_segments_and_other_memories_get_their_own_runs() {
        let binary = b"xy";
        let runs = runs(
            &[
                placed(0, 1 << 20, 1..2),
                placed(0, 0, 0..1),
                placed(1, 0, 0..2),
            ],
            binary,
        );
        let summary: Vec<(u32, usize, &[u8])> = runs
            .iter()
            .map(|run| (run.memory, run.offset, &run.bytes[..]))
            .collect();
        assert_eq!(
            summary,
            [
                (0, 0, &b"x"[..]),
                (0, 1 << 20, &b"y"[..]),
                (1, 0, &b"xy"[..])
            ]
        );
    }

    #[test]
    fn data_touching_few_pages_is_copied_and_more_is_mapped_where_possible() {
        let page = host_page_size();
        let run = |offset: usize| MemoryImageRun {
            memory: 0,
            offset,
            bytes: Box::new([1, 2, 3]),
        };
        let few: Vec<_> = (0..MAP_FROM_PAGES - 1).map(|i| run(i * page)).collect();
        assert!(mapped(&few).is_none());
        let enough: Vec<_> = (0..MAP_FROM_PAGES).map(|i| run(i * page)).collect();
        let image = mapped(&enough);
        assert_eq!(image.is_some(), cfg!(target_os = "linux"));
        if let Some(image) = image {
            assert_eq!(image.len(), (MAP_FROM_PAGES - 1) * page + page);
        }
    }

    /// A module with one table of four elements, defined or imported, and
    /// one active element segment with `items` at `offset`.
    fn one_segment(imported: bool, offset: ConstExpr, items: Vec<ConstExpr>) -> ModuleInfo {
        use super::super::info::ElemSegment;
        use crate::types::{RefType, TableType};
        ModuleInfo {
            tables: vec![TableType::new(RefType::FuncRef, 4, None)],
            num_imported_tables: u32::from(imported),
            elems: vec![ElemSegment {
                mode: SegmentMode::Active { index: 0, offset },
                items,
            }],
            ..ModuleInfo::default()
        }
    }

    #[test]
    fn element_segments_that_surely_fit_a_defined_table_make_an_image() {
        let items = vec![ConstExpr::RefFunc(3), ConstExpr::RefNull];
        let info = one_segment(false, ConstExpr::I32(2), items.clone());
        let images = table_images(&info).expect("an image");
        assert_eq!(images.len(), 1);
        assert_eq!((images[0].table, images[0].offset), (0, 2));
        assert_eq!(&images[0].funcs[..], [Some(3), None]);

        let too_far = one_segment(false, ConstExpr::I32(3), items.clone());
        assert!(table_images(&too_far).is_none(), "the segment traps");
        let imported = one_segment(true, ConstExpr::I32(0), items.clone());
        assert!(table_images(&imported).is_none(), "imported table");
        let computed = one_segment(false, ConstExpr::GlobalGet(0), items);
        assert!(table_images(&computed).is_none(), "computed offset");
        let from_global = one_segment(false, ConstExpr::I32(0), vec![ConstExpr::GlobalGet(0)]);
        assert!(table_images(&from_global).is_none(), "computed item");
    }
}
