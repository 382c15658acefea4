//! Saved web pages: the article's text and metadata found among the page's furniture.

use super::rules::Rules;
use super::{Article, Layout};

/// The article of one HTML page, or why the page holds none. `bytes` are
/// the page as saved; the charset it declares decides how they are read.
pub fn parse(bytes: &[u8], rules: &Rules) -> Result<Article, String> {
    let _ = (bytes, rules);
    Err(format!("HTML is not read yet ({:?})", Layout::Html))
}
