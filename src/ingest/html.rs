//! Saved web pages: the article's text and metadata found among the page's furniture.

use super::rules::Rules;
use super::{Article, Layout};

/// The article of one HTML page, or why the page holds none. `bytes` are
/// the page as saved; the charset it declares decides how they are read,
/// else `http_charset` (the HTTP Content-Type's, for a page of a web archive).
pub fn parse(bytes: &[u8], http_charset: Option<&str>, rules: &Rules) -> Result<Article, String> {
    let _ = (bytes, http_charset, rules);
    Err(format!("HTML is not read yet ({:?})", Layout::Html))
}
