//! Members: the object (`object`), the list's filter and sort inputs (`filter`), the
//! queries and the paged list (`queries`), and the mutations (`mutations`).

pub mod filter;
pub mod mutations;
pub mod object;
pub mod queries;
