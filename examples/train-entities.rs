//! Trains the entity tagger on a CoNLL-2003 file and writes its weights.
//!
//!     cargo run --release --example train-entities -- \
//!         ../shared/data/conll2003/eng.train schema/entities/tagger.bin.gz [EPOCHS]
//!
//! The weights depend on the gazetteer in schema/entities/: retrain after
//! regenerating the dictionaries (a unit test fails until then).

use std::process::ExitCode;

use newsidx::entities::conll;
use newsidx::entities::{Dictionary, Trainer};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train-entities: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: train-entities CONLL_FILE OUTPUT [EPOCHS, default 15]");
    };
    let epochs: usize = rest.first().map(|e| e.parse()).transpose()?.unwrap_or(15);
    // Averaged weights under 0.2 decide no tag on CoNLL dev (its F1 is the
    // same from 0.01 up to 0.2); without them the weight table stays at
    // 2 MB, half the size the next power of two would take.
    let prune: f32 = std::env::var("PRUNE")
        .ok()
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(0.2);
    let text = std::fs::read_to_string(input)?;
    let docs = conll::read(&text, input)?;
    let dict = Dictionary::builtin()?;
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
            let (a, w) = trainer.learn_doc(&prepared[i], &dict);
            asked += a;
            wrong += w;
        }
        eprintln!(
            "epoch {epoch}: {wrong} of {asked} tokens wrong ({:.2}%)",
            100.0 * wrong as f64 / asked.max(1) as f64
        );
    }
    let (bytes, kept) = trainer.to_bytes(dict.fingerprint(), prune)?;
    std::fs::write(output, &bytes)?;
    eprintln!("wrote {output}: {kept} features, {} bytes", bytes.len());
    Ok(())
}
