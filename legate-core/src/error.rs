//! The error type of the runtime: each variant says whose fault it is and carries the
//! structured facts, so bindings can map it to the right exception type.

use std::fmt;

use crate::types::Type;

/// Result type of the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the runtime, as structured data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An argument has a value the operation does not accept.
    InvalidArgument {
        /// What was wrong, in words.
        what: String,
    },
    /// Two shapes that must agree do not.
    ShapeMismatch {
        /// The operation that compared them.
        context: &'static str,
        /// The first shape.
        left: Vec<u64>,
        /// The second shape.
        right: Vec<u64>,
    },
    /// An index lies outside the extent of its dimension.
    IndexOutOfBounds {
        /// The dimension indexed.
        dim: usize,
        /// The index given.
        index: i64,
        /// The extent of that dimension.
        extent: u64,
    },
    /// An axis lies outside the dimensions of a store.
    AxisOutOfBounds {
        /// The axis given.
        axis: i64,
        /// The number of dimensions.
        ndim: usize,
    },
    /// A value of one type was given where another is needed.
    TypeMismatch {
        /// The type needed.
        expected: Type,
        /// The type found.
        found: Type,
    },
    /// An operation does not support a type.
    UnsupportedType {
        /// The operation.
        op: &'static str,
        /// The type it was given.
        ty: Type,
    },
    /// A memory of the machine would be over its configured size.
    ResourcesExhausted {
        /// The flag that sets the size of that memory (`--sysmem`, `--fbmem`, ...).
        flag: &'static str,
        /// Bytes the allocation asked for.
        requested: u64,
        /// Bytes still free in that memory.
        available: u64,
        /// The configured size of that memory in bytes.
        limit: u64,
    },
    /// The feature exists upstream but is not available here.
    NotImplemented {
        /// What is missing.
        what: String,
    },
    /// A task id was launched that its library never registered, or without the variant needed.
    UnknownTask {
        /// The library.
        library: String,
        /// The task id.
        task_id: u32,
    },
    /// A task body returned an error or panicked.
    TaskFailed {
        /// The library of the task.
        library: String,
        /// The name of the task.
        task: String,
        /// The point of the launch domain that failed.
        point: Vec<i64>,
        /// What the task said.
        message: String,
    },
    /// A linear-algebra operation cannot be done on its input (NumPy's `LinAlgError`): a
    /// singular matrix, one that is not positive definite, not square, or no convergence.
    LinAlg {
        /// What was wrong, in NumPy's words.
        what: String,
    },
    /// The configuration could not be read.
    Config(legate_mapper::ConfigError),
    /// A file could not be read or written, or does not hold what its format says
    /// (Python's `OSError` / `ValueError`).
    Io {
        /// The file.
        path: String,
        /// What went wrong, with the line where one applies.
        what: String,
    },
    /// A broken invariant of the runtime: a bug, please report it.
    Internal {
        /// What went wrong.
        what: String,
    },
}

impl Error {
    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        Error::InvalidArgument { what: what.into() }
    }

    pub(crate) fn internal(what: impl Into<String>) -> Self {
        Error::Internal { what: what.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument { what } => write!(f, "invalid argument: {what}"),
            Error::ShapeMismatch {
                context,
                left,
                right,
            } => write!(f, "{context}: shapes {left:?} and {right:?} do not match"),
            Error::IndexOutOfBounds { dim, index, extent } => write!(
                f,
                "index {index} is out of bounds for dimension {dim} with size {extent}"
            ),
            Error::AxisOutOfBounds { axis, ndim } => write!(
                f,
                "axis {axis} is out of bounds for array of dimension {ndim}"
            ),
            Error::TypeMismatch { expected, found } => {
                write!(f, "expected a value of type {expected}, found {found}")
            }
            Error::UnsupportedType { op, ty } => write!(f, "{op} does not support type {ty}"),
            Error::ResourcesExhausted {
                flag,
                requested,
                available,
                limit,
            } => write!(
                f,
                "out of memory: an allocation of {requested} bytes does not fit in the \
                 {available} bytes left of {limit} bytes (raise {flag})"
            ),
            Error::NotImplemented { what } => write!(f, "not implemented: {what}"),
            Error::UnknownTask { library, task_id } => {
                write!(f, "library {library} has no task {task_id}")
            }
            Error::TaskFailed {
                library,
                task,
                point,
                message,
            } => write!(
                f,
                "task {library}.{task} failed at point {point:?}: {message}"
            ),
            Error::LinAlg { what } => write!(f, "linear algebra: {what}"),
            Error::Config(e) => write!(f, "configuration: {e}"),
            Error::Io { path, what } => write!(f, "{path}: {what}"),
            Error::Internal { what } => write!(
                f,
                "internal error (a bug in the runtime, please report it): {what}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<legate_mapper::ConfigError> for Error {
    fn from(e: legate_mapper::ConfigError) -> Self {
        Error::Config(e)
    }
}
