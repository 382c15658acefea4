//! Trains the entity tagger on a CoNLL-2003 file and writes its weights, or
//! measures a training recipe by cross-validation.
//!
//!     cargo run --release --example train-entities -- \
//!         ../shared/data/conll2003/eng.train schema/entities/tagger.bin.gz [--epochs N]
//!     cargo run --release --example train-entities -- \
//!         ../shared/data/conll2003/eng.train --folds 5 [--dev ../shared/data/conll2003/eng.testa]
//!
//! With `--folds K` the file is cut into K runs of consecutive articles (the
//! wire's order: a fold is other days' news, as a test split is); each is
//! scored, through the whole extractor, by a tagger trained on the others.
//! `--dev FILE` also scores a tagger trained on all of the first file.
//!
//! The weights depend on the gazetteer in schema/entities/: retrain after
//! regenerating the dictionaries (a unit test fails until then).

use std::process::ExitCode;

use newsidx::entities::conll::{self, Evaluation, GoldDoc, MAIN_KINDS};
use newsidx::entities::{Dictionary, Extractor, Settings, Trainer};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train-entities: {e:#}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    input: String,
    output: Option<String>,
    epochs: usize,
    folds: usize,
    dev: Option<String>,
    prune: f32,
}

fn args() -> anyhow::Result<Args> {
    let usage = "usage: train-entities CONLL_FILE (OUTPUT | --folds K) [--epochs N] [--dev CONLL_FILE]";
    let mut it = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut a = Args {
        input: String::new(),
        output: None,
        epochs: 15,
        folds: 0,
        dev: None,
        // Averaged weights under 0.2 decide no tag on CoNLL dev (its F1 is
        // the same from 0.01 up to 0.2) and only grow the table.
        prune: 0.2,
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value; {usage}"));
        match arg.as_str() {
            "--epochs" => a.epochs = value()?.parse()?,
            "--folds" => a.folds = value()?.parse()?,
            "--dev" => a.dev = Some(value()?),
            "--prune" => a.prune = value()?.parse()?,
            _ if arg.starts_with("--") => anyhow::bail!("unknown option {arg}; {usage}"),
            _ => positional.push(arg),
        }
    }
    match positional.as_slice() {
        [input] if a.folds > 1 || a.dev.is_some() => a.input = input.clone(),
        [input, output] => {
            a.input = input.clone();
            a.output = Some(output.clone());
        }
        _ => anyhow::bail!("{usage}"),
    }
    Ok(a)
}

fn read(path: &str) -> anyhow::Result<Vec<GoldDoc>> {
    Ok(conll::read(&std::fs::read_to_string(path)?, path)?)
}

fn run() -> anyhow::Result<()> {
    let a = args()?;
    let docs = read(&a.input)?;
    let dict = Dictionary::builtin()?;
    if let Some(output) = &a.output {
        let trainer = train(&docs, &dict, a.epochs, true);
        let (bytes, kept) = trainer.to_bytes(dict.fingerprint(), a.prune)?;
        std::fs::write(output, &bytes)?;
        eprintln!("wrote {output}: {kept} features, {} bytes", bytes.len());
    }
    let mut rows = Vec::new();
    if a.folds > 1 {
        let k = a.folds;
        let cut = |f: usize| f * docs.len() / k;
        let results: Vec<anyhow::Result<Evaluation>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..k)
                .map(|f| {
                    let (docs, dict) = (&docs, &dict);
                    s.spawn(move || {
                        let (from, to) = (cut(f), cut(f + 1));
                        let rest: Vec<GoldDoc> = docs[..from].iter().chain(&docs[to..]).cloned().collect();
                        score(&train(&rest, dict, a.epochs, false), dict, &docs[from..to], a.prune)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("fold thread")).collect()
        });
        let mut total = Evaluation::default();
        for (f, r) in results.into_iter().enumerate() {
            let e = r?;
            rows.push((format!("fold {}/{k}", f + 1), e.clone()));
            merge(&mut total, &e);
        }
        rows.push((format!("{k}-fold"), total));
    }
    if let Some(dev) = &a.dev {
        let trainer = train(&docs, &dict, a.epochs, false);
        rows.push((dev.rsplit('/').next().unwrap_or(dev).to_string(), score(&trainer, &dict, &read(dev)?, a.prune)?));
    }
    if !rows.is_empty() {
        println!("{:<12} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}", "", "F1", "person", "place", "org", "misc", "doc F1");
        for (name, e) in &rows {
            let f = |k| e.mentions.get(&k).copied().unwrap_or_default().f1();
            println!(
                "{name:<12} {:>6.4} {:>6.4} {:>6.4} {:>6.4} {:>6.4} {:>6.4}",
                e.mentions_main().f1(),
                f(MAIN_KINDS[0]),
                f(MAIN_KINDS[1]),
                f(MAIN_KINDS[2]),
                f(newsidx::entities::Kind::Misc),
                e.documents_main().f1()
            );
        }
    }
    Ok(())
}

fn train(docs: &[GoldDoc], dict: &Dictionary, epochs: usize, verbose: bool) -> Trainer {
    let prepared: Vec<_> = docs.iter().map(newsidx::entities::training_doc).collect();
    let mut trainer = Trainer::default();
    let mut order: Vec<usize> = (0..prepared.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for epoch in 1..=epochs {
        // A fixed shuffle per epoch: the same command gives the same weights.
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        let (mut asked, mut wrong) = (0, 0);
        for &i in &order {
            let (a, w) = trainer.learn_doc(&prepared[i], dict);
            asked += a;
            wrong += w;
        }
        if verbose {
            eprintln!(
                "epoch {epoch}: {wrong} of {asked} tokens wrong ({:.2}%)",
                100.0 * wrong as f64 / asked.max(1) as f64
            );
        }
    }
    trainer
}

/// Scores a trained tagger on `docs` the way `newsidx evaluate` does.
fn score(trainer: &Trainer, dict: &Dictionary, docs: &[GoldDoc], prune: f32) -> anyhow::Result<Evaluation> {
    let (bytes, _) = trainer.to_bytes(dict.fingerprint(), prune)?;
    let settings = Settings {
        // CoNLL annotates "North Korean" as MISC, not as the country.
        demonyms_as_country: false,
        ..Settings::default()
    };
    let ex = Extractor::with_model(Dictionary::builtin()?, settings, &bytes)?;
    Ok(conll::evaluate(&ex, docs))
}

fn merge(total: &mut Evaluation, e: &Evaluation) {
    total.docs += e.docs;
    for (map, from) in [(&mut total.mentions, &e.mentions), (&mut total.documents, &e.documents)] {
        for (k, c) in from {
            let t = map.entry(*k).or_default();
            t.tp += c.tp;
            t.fp += c.fp;
            t.fn_ += c.fn_;
        }
    }
}
