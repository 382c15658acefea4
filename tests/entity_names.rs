//! `--entity` resolved from what an `index` run keeps for it (`entity-names-<opstamp>.bin`, read in place) answers exactly as with the entity table and dictionaries loaded whole; an index without the file, or with it damaged, answers the same, and the next run, even one that changes nothing, writes it.

mod common;

use std::fs;
use std::path::Path;

use newsidx::index::entity_names::EntityNames;
use newsidx::index::NewsIndex;
use newsidx::search::entity::EntityResolver;

use common::{stderr, Entities, Env};

/// The whole sample corpus, the archive-entity fixtures, and an override
/// file (its aliases and merges are part of what is kept).
fn env() -> Env {
    let env = Env::with_whole_sample();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-corpus/.fixtures/entities");
    for day in fs::read_dir(&fixtures).expect("fixtures").flatten() {
        for file in fs::read_dir(day.path()).expect("day").flatten() {
            let rel = format!(
                "{}/{}",
                day.file_name().to_string_lossy(),
                file.file_name().to_string_lossy()
            );
            env.copy_sample(&format!(".fixtures/entities/{rel}"), &rel);
        }
    }
    fs::write(
        env.root.path().join("entities.tsv"),
        "merge\tRossiyskaya Gazeta\tRossiiskaya Gazeta|RG\torg\nalias\tIngrid Aasvik\tperson\tI. Aasvik\nhide\tPhoto\n",
    )
    .expect("write overrides");
    index(&env);
    env
}

/// `index` with the override file, as it came out.
fn index(env: &Env) -> common::Summary {
    let out = env.index_with_overrides(&env.root.path().join("entities.tsv"));
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("index --json")
}

/// The names files of the index: (name, bytes).
fn names_files(index: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<_> = fs::read_dir(index)
        .expect("index dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("entity-names-"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    found.sort();
    found
}

/// Every name the archive lists, and ways a user types names: aliases,
/// abbreviations, demonyms, titles, initials, legal suffixes, other cases,
/// names no one knows.
fn names(env: &Env) -> Vec<String> {
    let out = env.run(&["entities", "--json", "--limit", "100000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed: Entities = serde_json::from_slice(&out.stdout).expect("entities --json");
    assert!(listed.entities.len() > 50, "{}", listed.entities.len());
    let mut names = Vec::new();
    for e in &listed.entities {
        let n = &e.name;
        names.extend([
            n.clone(),
            n.to_lowercase(),
            n.to_uppercase(),
            format!("  {n} "),
            format!("President {n}"),
            format!("Sen. {n}"),
            format!("U.S. {n}"),
            format!("{n} Inc."),
            format!("{n} Corp"),
            format!("{n}'s"),
        ]);
        if let Some((first, rest)) = n.split_once(' ') {
            names.push(format!("{first} Q. {rest}"));
            names.push(rest.to_string());
        }
    }
    for n in [
        "DPRK",
        "U.N.",
        "UN",
        "U.S.",
        "US",
        "us",
        "America",
        "American",
        "Americans",
        "North Korean",
        "N. Korea",
        "S. Korea",
        "N.Korea",
        "N Korea",
        "E. Timor",
        "W. Virginia",
        "Chinese",
        "British",
        "Russian",
        "Iranian",
        "RG",
        "Rossiiskaya Gazeta",
        "I. Aasvik",
        "Ingrid Aasvik",
        "Photo",
        "Zzyzx Quux",
        "Nobody Atall Ltd.",
        "Warren E. Buffett",
        "Hank Paulson",
        "George W. Bush",
        "President Bush",
        "Prime Minister Gordon Brown",
        "General Motors Corporation",
        "JPMorgan Chase & Co.",
        "U.S. Securities and Exchange Commission",
        "SEC",
        "Sao Paulo",
        "São Paulo",
        "Zoë",
        "Kim Jong-il",
        "the Fed",
        "E.U.",
        "Standard & Poor's",
        "",
    ] {
        names.push(n.to_string());
    }
    names
}

#[test]
fn the_kept_names_resolve_every_name_as_the_loaded_table_and_dictionaries() {
    let env = env();
    assert_eq!(
        names_files(&env.index).len(),
        1,
        "one names file, the last commit's"
    );
    let index =
        NewsIndex::open(&env.index, newsidx::schema::Mapping::builtin().expect("mapping")).expect("open");
    let reader = index.reader().expect("reader");
    let searcher = reader.searcher();
    let kept = index.entity_names(&searcher).expect("names");
    assert!(matches!(kept, EntityNames::Kept(_)), "the file is read");
    let loaded = index.entity_names_loaded(&searcher).expect("names");

    // Every entry, both ways.
    let EntityNames::Loaded(whole) = &loaded else {
        panic!("loaded")
    };
    let (dict, table) = whole.as_ref();
    let maps = dict.name_maps();
    assert!(maps.aliases.len() > 10_000 && !maps.demonyms.is_empty() && !maps.case_sensitive.is_empty());
    for &(k, canonical, country) in &maps.aliases {
        assert_eq!(kept.alias(k), Some((canonical, country)), "{k}");
    }
    for &(k, canonical) in &maps.case_sensitive {
        assert_eq!(kept.case_sensitive(k), Some(canonical), "{k}");
    }
    for &(k, canonical) in &maps.demonyms {
        assert_eq!(kept.demonym(k), Some(canonical), "{k}");
    }
    assert!(table.groups.len() > 5, "{}", table.groups.len());
    for g in &table.groups {
        for k in g.names.iter().chain([&g.key]) {
            assert_eq!(kept.find(k), loaded.find(k), "{k}");
            assert!(kept.find(k).is_some(), "{k}");
        }
    }

    // Every name as a user may type it, resolved.
    let (kept, loaded) = (
        EntityResolver::with_names(&index, kept),
        EntityResolver::with_names(&index, loaded),
    );
    let names = names(&env);
    let mut known = 0;
    for name in &names {
        let a = kept.resolve(&index, &searcher, name).expect("resolve");
        let b = loaded.resolve(&index, &searcher, name).expect("resolve");
        known += usize::from(a.1 != newsidx::search::entity::Resolved::Unknown);
        assert_eq!(a, b, "{name:?}");
    }
    assert!(
        known > names.len() / 3 && known < names.len(),
        "{known} of {}",
        names.len()
    );
}

#[test]
fn without_the_file_or_with_it_damaged_search_answers_the_same_and_a_run_writes_it() {
    let env = env();
    let kept = names_files(&env.index);
    assert_eq!(kept.len(), 1);
    let path = env.index.join(&kept[0].0);
    let answers = |env: &Env| -> Vec<(Option<i32>, Vec<u8>, String)> {
        names(env)
            .iter()
            .step_by(7)
            .map(|name| {
                let out = env.run(&["search", "--json", "--limit", "5", "--entity", name]);
                (out.status.code(), out.stdout.clone(), stderr(&out))
            })
            .collect()
    };
    let with_file = answers(&env);
    assert!(with_file.iter().any(|a| a.0 == Some(0)) && with_file.iter().any(|a| a.2.contains("no entity")));

    // An index written before the file existed.
    fs::remove_file(&path).expect("remove");
    assert_eq!(answers(&env), with_file, "without the file");
    let summary = index(&env);
    assert_eq!(
        summary.counts(),
        (0, 0, 0, summary.unchanged),
        "a run that changes nothing"
    );
    assert_eq!(names_files(&env.index), kept, "the run wrote it as before");

    // Damaged: a byte of a key in the middle.
    let mut bytes = fs::read(&path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    fs::write(&path, &bytes).expect("write");
    assert_eq!(answers(&env), with_file, "with the file damaged");
    index(&env);
    assert_eq!(names_files(&env.index), kept, "the run wrote it again");
}
