//! dialcore-replica (being written).
