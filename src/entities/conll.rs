//! CoNLL-2003 files: reading gold annotations and scoring extraction against
//! them (conlleval's exact-span definition, and per-document entity sets).

use std::collections::{BTreeMap, HashSet};

use super::Kind;
use crate::error::{Error, Result};

/// One article of a CoNLL file: its tokens joined by spaces (a sentence a
/// line), and the gold entity spans as byte ranges of that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldDoc {
    pub text: String,
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

fn conll_kind(label: &str) -> Option<Kind> {
    match label {
        "PER" => Some(Kind::Person),
        "LOC" => Some(Kind::Place),
        "ORG" => Some(Kind::Org),
        "MISC" => Some(Kind::Misc),
        _ => None,
    }
}

/// Reads a CoNLL file: a token a line, the NER tag in the last column (IOB1
/// or IOB2), blank lines between sentences, `-DOCSTART-` between articles.
pub fn read(text: &str, origin: &str) -> Result<Vec<GoldDoc>> {
    let mut docs = Vec::new();
    let mut doc = GoldDoc {
        text: String::new(),
        spans: Vec::new(),
    };
    let mut open: Option<(usize, Kind)> = None;
    let mut end = 0;
    let mut sentence_open = false;
    let flush = |doc: &mut GoldDoc, open: &mut Option<(usize, Kind)>, end: usize| {
        if let Some((start, kind)) = open.take() {
            doc.spans.push(Span { start, end, kind });
        }
    };
    for (n, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.first() == Some(&"-DOCSTART-") {
            flush(&mut doc, &mut open, end);
            if !doc.text.is_empty() {
                docs.push(std::mem::replace(
                    &mut doc,
                    GoldDoc {
                        text: String::new(),
                        spans: Vec::new(),
                    },
                ));
            }
            sentence_open = false;
            continue;
        }
        if cols.is_empty() {
            flush(&mut doc, &mut open, end);
            sentence_open = false;
            continue;
        }
        if cols.len() < 2 {
            return Err(Error::Invalid(format!(
                "{origin} line {}: expected 'word ... TAG'",
                n + 1
            )));
        }
        let (word, tag) = (cols[0], cols[cols.len() - 1]);
        if !doc.text.is_empty() {
            doc.text.push(if sentence_open { ' ' } else { '\n' });
        }
        let start = doc.text.len();
        doc.text.push_str(word);
        let (begin, kind) = match tag.split_once('-') {
            None if tag == "O" => (false, None),
            Some((bio @ ("B" | "I"), label)) => match conll_kind(label) {
                Some(k) => (bio == "B", Some(k)),
                None => {
                    return Err(Error::Invalid(format!(
                        "{origin} line {}: unknown tag '{tag}'",
                        n + 1
                    )))
                }
            },
            _ => {
                return Err(Error::Invalid(format!(
                    "{origin} line {}: unknown tag '{tag}'",
                    n + 1
                )))
            }
        };
        match kind {
            None => flush(&mut doc, &mut open, end),
            Some(k) => {
                let continues = !begin && matches!(open, Some((_, o)) if o == k);
                if !continues {
                    flush(&mut doc, &mut open, end);
                    open = Some((start, k));
                }
            }
        }
        end = doc.text.len();
        sentence_open = true;
    }
    flush(&mut doc, &mut open, end);
    if !doc.text.is_empty() {
        docs.push(doc);
    }
    Ok(docs)
}

/// True positives, false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores of a run: per kind and over person/place/org, for exact mention
/// spans and for (document, entity, kind) sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub docs: usize,
    pub mentions: BTreeMap<Kind, Counts>,
    pub documents: BTreeMap<Kind, Counts>,
}

/// The three kinds the bars are set on; misc is scored apart.
pub const MAIN_KINDS: [Kind; 3] = [Kind::Person, Kind::Place, Kind::Org];

impl Evaluation {
    pub fn mentions_main(&self) -> Counts {
        sum(&self.mentions, &MAIN_KINDS)
    }
    pub fn documents_main(&self) -> Counts {
        sum(&self.documents, &MAIN_KINDS)
    }

    /// Adds one document: gold and predicted spans, and the (entity, kind)
    /// sets each resolves to.
    pub fn add(
        &mut self,
        gold: &[Span],
        predicted: &[Span],
        gold_set: &HashSet<(String, Kind)>,
        predicted_set: &HashSet<(String, Kind)>,
    ) {
        self.docs += 1;
        let gold_spans: HashSet<&Span> = gold.iter().collect();
        let predicted_spans: HashSet<&Span> = predicted.iter().collect();
        for kind in Kind::ALL {
            let c = compare(&gold_spans, &predicted_spans, |s| s.kind == kind);
            self.mentions.entry(kind).or_default().add(c);
            let d = compare(gold_set, predicted_set, |e| e.1 == kind);
            self.documents.entry(kind).or_default().add(d);
        }
    }
}

/// tp/fp/fn of `predicted` against `gold`, over the items `keep` selects.
fn compare<T: Eq + std::hash::Hash>(
    gold: &HashSet<T>,
    predicted: &HashSet<T>,
    keep: impl Fn(&T) -> bool,
) -> Counts {
    let tp = predicted.iter().filter(|x| keep(x) && gold.contains(*x)).count();
    Counts {
        tp,
        fp: predicted.iter().filter(|x| keep(x)).count() - tp,
        fn_: gold.iter().filter(|x| keep(x) && !predicted.contains(*x)).count(),
    }
}

fn sum(map: &BTreeMap<Kind, Counts>, kinds: &[Kind]) -> Counts {
    let mut total = Counts::default();
    for k in kinds {
        if let Some(c) = map.get(k) {
            total.add(*c);
        }
    }
    total
}

/// Scores `ex` on gold documents. Gold mentions are resolved by the same
/// rules as found ones, keeping their gold type, so the document-level
/// score asks: did we find the entities this article is about?
pub fn evaluate(ex: &super::Extractor, docs: &[GoldDoc]) -> Evaluation {
    let mut eval = Evaluation::default();
    for doc in docs {
        let parts = [doc.text.as_str()];
        let found = ex.extract(&parts);
        let predicted: Vec<Span> = found
            .iter()
            .map(|m| Span {
                start: m.start,
                end: m.end,
                kind: m.kind,
            })
            .collect();
        let predicted_set = found
            .iter()
            .map(|m| (super::dictionary::key(&m.name), m.kind))
            .collect();
        eval.add(&doc.spans, &predicted, &gold_set(ex, doc), &predicted_set);
    }
    eval
}

fn gold_set(ex: &super::Extractor, doc: &GoldDoc) -> HashSet<(String, Kind)> {
    let parts = [doc.text.as_str()];
    let spans: Vec<(usize, usize, usize, Kind)> =
        doc.spans.iter().map(|s| (0, s.start, s.end, s.kind)).collect();
    let resolved = ex.resolve_spans(&parts, &spans);
    let by_start: std::collections::HashMap<usize, &str> =
        resolved.iter().map(|m| (m.start, m.name.as_str())).collect();
    doc.spans
        .iter()
        .filter_map(|s| {
            by_start
                .get(&s.start)
                .map(|name| (super::dictionary::key(name), s.kind))
        })
        .collect()
}

/// Scores predictions given as a second CoNLL file over the same tokens
/// (another tagger's output, or a fixture with known scores).
pub fn evaluate_predicted(
    ex: &super::Extractor,
    gold: &[GoldDoc],
    predicted: &[GoldDoc],
) -> Result<Evaluation> {
    if gold.len() != predicted.len() || gold.iter().zip(predicted).any(|(g, p)| g.text != p.text) {
        return Err(Error::Invalid(
            "the predicted file does not have the gold file's documents and tokens".into(),
        ));
    }
    let mut eval = Evaluation::default();
    for (g, p) in gold.iter().zip(predicted) {
        eval.add(&g.spans, &p.spans, &gold_set(ex, g), &gold_set(ex, p));
    }
    Ok(eval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iob1_and_iob2() {
        let text = "-DOCSTART- -X- O O\n\nKim NNP I-NP I-PER\nJong NNP I-NP I-PER\nUn NNP I-NP I-PER\nmet VBD O O\nPutin NNP I-NP B-PER\n. . O O\n\nIn IN O O\nSeoul NNP I-NP I-LOC\n";
        let docs = read(text, "t").unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d.text, "Kim Jong Un met Putin .\nIn Seoul");
        let got: Vec<(&str, Kind)> = d
            .spans
            .iter()
            .map(|s| (&d.text[s.start..s.end], s.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("Kim Jong Un", Kind::Person),
                ("Putin", Kind::Person),
                ("Seoul", Kind::Place)
            ]
        );
    }

    #[test]
    fn counts_exact_spans() {
        let span = |start, end, kind| Span { start, end, kind };
        let g = [span(0, 3, Kind::Person), span(5, 9, Kind::Place)];
        let p = [span(0, 3, Kind::Person), span(5, 9, Kind::Org)];
        let mut e = Evaluation::default();
        e.add(&g, &p, &HashSet::new(), &HashSet::new());
        assert_eq!(e.mentions_main(), Counts { tp: 1, fp: 1, fn_: 1 });
        assert!((e.mentions_main().f1() - 0.5).abs() < 1e-9);
    }
}
