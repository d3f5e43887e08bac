//! The command line: parse flags, call the library, print for humans.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::output;
use crate::scenario::{self, bundled};
use crate::sim::Simulation;

/// The command line: one subcommand and its flags.
#[derive(Parser, Debug)]
#[command(name = "ketasim", version, about = "Agent-based simulator of how low-dose ketamine acts on the brain",
    long_about = "ketasim simulates the chain from ketamine in plasma to NMDA block, interneuron disinhibition, the glutamate surge, AMPA, BDNF, mTORC1, synaptic proteins and new dendritic spines, and writes CSV traces.",
    after_help = "Examples:\n  ketasim list\n  ketasim run iv-infusion\n  ketasim check iv-infusion --set dose.0.mg_per_kg=0.25")]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and write trace.csv, events.csv, summary.csv and manifest.json.
    #[command(after_help = "Examples:\n  ketasim run iv-infusion\n  ketasim run scenarios/iv-infusion.toml --out runs/half-dose --set dose.0.mg_per_kg=0.25\n  ketasim run rapamycin-block --seed 3 --threads 2 --force")]
    Run {
        /// A path to a .toml scenario file, or the name of a bundled scenario (see `ketasim list`).
        scenario: String,
        /// Output directory [default: runs/<NAME> in the current directory, NAME being the bundled
        /// scenario's name or the scenario file's name without .toml].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed (0 to 18446744073709551615, as the scenario's `seed` key).
        #[arg(long)]
        seed: Option<u64>,
        /// Override any scenario key by its dotted path, e.g. dose.0.mg_per_kg=0.25 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Worker threads for the ECS (results do not depend on it).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Replace an existing output directory that an earlier `ketasim run` wrote (only if it holds
        /// nothing else); the new result replaces it only once complete.
        #[arg(long)]
        force: bool,
        /// No progress bar and no messages on stderr except errors.
        #[arg(long)]
        quiet: bool,
        /// Also draw the cascade figure, figure.png, beside the CSV files (see `ketasim plot`).
        #[arg(long)]
        plot: bool,
        /// Run a dose above its route's plausible ceiling (docs/scenario.md, "Dose sanity") anyway,
        /// with a warning; as `allow_high_dose = true` in the scenario.
        #[arg(long)]
        allow_high_dose: bool,
    },
    /// Validate a scenario and print it fully resolved, with the dose classification; run nothing.
    #[command(after_help = "Example:\n  ketasim check iv-bolus-anesthetic --set dose.0.mg_per_kg=0.5")]
    Check {
        /// A path to a .toml scenario file, or the name of a bundled scenario (see `ketasim list`).
        scenario: String,
        /// Override any scenario key by its dotted path, e.g. dose.0.mg_per_kg=0.25 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Override the scenario's seed (0 to 18446744073709551615, as the scenario's `seed` key).
        #[arg(long)]
        seed: Option<u64>,
        /// Run a dose above its route's plausible ceiling (docs/scenario.md, "Dose sanity") anyway,
        /// with a warning; as `allow_high_dose = true` in the scenario.
        #[arg(long)]
        allow_high_dose: bool,
    },
    /// Draw a run directory as one figure of the whole cascade, or a sweep as a dose-response figure.
    #[command(after_help = "A run directory (with trace.csv) gives one multi-panel figure on a split time axis (the first hours, then the days), with doses and blockers shaded.\nA sweep directory (summary.csv with a run_id column) needs --y, and --x unless only one key was swept: replicate mean +/- SD. Several --y give one panel per column on a shared x axis; --logx a logarithmic x axis.\n\nExamples:\n  ketasim plot runs/iv-infusion\n  ketasim plot runs/iv-infusion --out iv-infusion.svg\n  ketasim plot runs/dose-sweep --x dose.0.mg_per_kg --y peak_glutamate_rel\n  ketasim plot runs/dose-sweep --y peak_glutamate_rel --y spine_density_rel_24h --logx")]
    Plot {
        /// A run directory (written by `ketasim run`) or a sweep directory (written by `ketasim sweep`).
        dir: PathBuf,
        /// The figure file, .png, .svg or .pdf [default: DIR/figure.png; for a sweep DIR/<y>-vs-<x>.png].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Sweep only: the swept key on the horizontal axis, e.g. dose.0.mg_per_kg.
        #[arg(long)]
        x: Option<String>,
        /// Sweep only: the summary column on the vertical axis, e.g. peak_glutamate_rel. Repeat it
        /// (`--y A --y B`) for one panel per column, stacked on a shared x axis [default file:
        /// DIR/A+B-vs-<x>.png].
        #[arg(long, action = clap::ArgAction::Append)]
        y: Vec<String>,
        /// Sweep only: a logarithmic x axis, labelled at its decades; every swept value must be a
        /// number above 0 [default file: DIR/<y>-vs-<x>-logx.png].
        #[arg(long)]
        logx: bool,
        /// Run only: show the detailed early hours after administration K (0 = the first, as in
        /// doses.csv) on the left of each panel, and the whole run on the right.
        #[arg(long, value_name = "K")]
        dose: Option<usize>,
        /// Replace an existing file at --out (without it, only a figure inside a ketasim result
        /// directory is redrawn in place).
        #[arg(long)]
        force: bool,
    },
    /// Overlay the cascade of several runs in one figure, one colour and line pattern per run.
    #[command(after_help = "The legend names each run by its scenario, its --set overrides and its seed (from manifest.json).\n\nExamples:\n  ketasim run rapamycin-block --out runs/rapamycin\n  ketasim run iv-infusion --out runs/iv\n  ketasim compare runs/iv runs/rapamycin --out compare.png")]
    Compare {
        /// Two to eight run directories (written by `ketasim run`).
        #[arg(required = true, num_args = 2..)]
        runs: Vec<PathBuf>,
        /// The figure file, .png, .svg or .pdf.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing file at --out (without it, only a figure inside a ketasim result
        /// directory is redrawn in place).
        #[arg(long)]
        force: bool,
    },
    /// Run a parameter sweep: every (point, replicate) of a sweep file, in parallel; writes
    /// runs/<run_id>/, summary.csv, points.csv and sweep.json (see docs/sweep.md).
    Sweep(crate::batch::SweepArgs),
    /// Combine the shard directories of a sweep (`sweep --shard K/N`) into one result.
    Merge(crate::batch::MergeArgs),
    /// Explain a finished run in plain language: how far each stage moved, and why.
    #[command(after_help = "Example:\n  ketasim run iv-bolus-anesthetic --out runs/bolus\n  ketasim explain runs/bolus")]
    Explain {
        /// A run directory (written by `ketasim run`).
        dir: PathBuf,
    },
    /// Run an in-silico trial: virtual subjects in arms; writes subjects.csv, arms.csv,
    /// timecourse.csv, survival.csv and trial.json (see docs/trial.md).
    Trial(crate::cohort::TrialArgs),
    /// List the bundled scenarios.
    #[command(after_help = "Example:\n  ketasim list")]
    List,
    /// List every model parameter: value, uncertainty range, validity range, unit, stage, source.
    #[command(after_help = "Examples:\n  ketasim params\n  ketasim params --format csv > parameters.csv\n  ketasim params --format json\n  ketasim params --markdown > table.md")]
    Params {
        /// Output format: text (aligned columns), csv, json, or markdown (one table per stage, as
        /// in docs/model.md).
        #[arg(long, value_enum, default_value = "text")]
        format: ParamsFormat,
        /// Same as --format markdown.
        #[arg(long, conflicts_with = "format")]
        markdown: bool,
    },
    /// Global sensitivity analysis: Morris elementary effects and Sobol indices of model parameters
    /// on summary outputs; writes design.csv, runs.csv, indices.csv, sensitivity.json, a figure and
    /// the runs (see docs/sensitivity.md).
    Sensitivity(crate::sensitivity::SensitivityArgs),
}

/// The formats of `ketasim params`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsFormat {
    /// Aligned columns for a terminal.
    Text,
    /// CSV with a header row.
    Csv,
    /// A JSON list of objects.
    Json,
    /// Markdown tables, one per stage.
    Markdown,
}

/// The default output directory for a scenario spec: `runs/<bundled name or file stem>`.
pub fn default_out(spec: &str) -> PathBuf {
    let stem = std::path::Path::new(spec).file_stem().map_or_else(|| spec.to_string(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(stem)
}

fn init_threads(threads: usize) -> Result<()> {
    if threads == 0 || threads > 1024 {
        return Err(Error::input(format!("--threads {threads}: allowed 1 to 1024")));
    }
    bevy_tasks::ComputeTaskPool::get_or_init(|| bevy_tasks::TaskPoolBuilder::new().num_threads(threads).build());
    Ok(())
}

/// Run the parsed command line; its error carries the exit code ([`crate::error::Error::exit_code`]).
pub fn run_command(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Sweep(args) => crate::batch::sweep_command(args),
        Command::Merge(args) => crate::batch::merge_command(args),
        Command::Explain { dir } => {
            print!("{}", crate::explain::explain(&dir)?);
            Ok(())
        }
        Command::Trial(args) => crate::cohort::trial_command(args),
        Command::Compare { runs, out, force } => {
            println!("{}", crate::plot::compare_runs(&runs, &out, force)?.display());
            Ok(())
        }
        Command::List => {
            for (name, text) in bundled::BUNDLED {
                let sc = scenario::from_source(
                    &scenario::ScenarioSource { text: text.to_string(), origin: format!("bundled:{name}").into() },
                    &[],
                    None,
                )?;
                println!("{name:<24} {}", sc.description);
            }
            Ok(())
        }
        Command::Sensitivity(args) => crate::sensitivity::sensitivity_command(args),
        Command::Params { format, markdown } => {
            let format = if markdown { ParamsFormat::Markdown } else { format };
            match format {
                ParamsFormat::Text => print!("{}", crate::params::text_table()),
                ParamsFormat::Csv => print!("{}", crate::params::csv_table()),
                ParamsFormat::Json => {
                    let text = serde_json::to_string_pretty(&crate::params::json_table()).map_err(|e| Error::internal(e.to_string()))?;
                    println!("{text}");
                }
                ParamsFormat::Markdown => print!("{}", crate::params::markdown_tables()),
            }
            Ok(())
        }
        Command::Check { scenario: spec, sets, seed, allow_high_dose } => {
            let sc = scenario::load_with(&spec, &sets, seed, scenario::LoadOptions { allow_high_dose })?;
            println!("# {} — resolved scenario (all defaults filled in)", sc.source);
            print!("{}", sc.to_toml());
            println!("\n# dose classification (low-dose limits, docs/scenario.md: IV bolus <= 0.5 mg/kg, infusion <= 1 mg/kg/h)");
            if sc.doses.is_empty() {
                println!("# no doses");
            }
            for (i, d) in sc.doses.iter().enumerate() {
                println!("# dose.{i}: {}", sc.classify(d).text);
            }
            println!("# administrations: {}", sc.administrations().len());
            Ok(())
        }
        Command::Plot { dir, out, x, y, logx, dose, force } => {
            let ys: Vec<&str> = y.iter().map(String::as_str).collect();
            let written = crate::plot::plot_dir_at_dose(&dir, out.as_deref(), x.as_deref(), &ys, force, dose, logx)?;
            println!("{}", written.display());
            Ok(())
        }
        Command::Run { scenario: spec, out, seed, sets, threads, force, quiet, plot, allow_high_dose } => {
            let sc = scenario::load_with(&spec, &sets, seed, scenario::LoadOptions { allow_high_dose })?;
            init_threads(threads)?;
            // From here on Ctrl-C stops the run cleanly (exit 130) instead of killing it half-way;
            // installed before the estimate is printed, so a Ctrl-C that answers the estimate's
            // warning is always handled (and works even where the shell started us with SIGINT
            // ignored).
            crate::interrupt::install()?;
            crate::limits::check_run(&sc, quiet)?;
            let dest = out.unwrap_or_else(|| default_out(&spec));
            let inputs: Vec<output::Input> = sc.input_file().map(output::Input::File).into_iter().collect();
            let staging = output::stage(&dest, output::Kind::Run, force, &inputs)?;
            for w in sc.warnings() {
                if !quiet {
                    eprintln!("warning: {w}");
                }
            }
            let result = (|| {
                let sim = Simulation::new(&sc)?;
                let bar = progress_bar(sim.total_steps(), quiet);
                let control = crate::api::RunControl::default()
                    .with_progress(|done, _| bar.set_position(done))
                    .with_cancel(crate::interrupt::token());
                let run = sim.run_with(control)?;
                bar.finish_and_clear();
                output::write_run(&staging, &sc, &run, threads)?;
                if plot {
                    // Drawn in the staging directory, so the figure is part of the complete result.
                    crate::plot::plot_run(&staging.tmp, &staging.tmp.join("figure.png"))?;
                }
                crate::interrupt::check_at(|| "while writing the results".into())?;
                Ok::<_, Error>(run)
            })();
            match result {
                Ok(run) => {
                    let dest = staging.commit()?;
                    if !quiet {
                        eprintln!("ran {} ({} steps) in {:.2} s", sc.name, run.steps, run.wall_time_s);
                    }
                    println!("{}/trace.csv", dest.display());
                    println!("{}/events.csv", dest.display());
                    println!("{}/summary.csv", dest.display());
                    println!("{}/doses.csv", dest.display());
                    println!("{}/manifest.json", dest.display());
                    if plot {
                        println!("{}/figure.png", dest.display());
                    }
                    Ok(())
                }
                Err(e) => {
                    staging.abandon();
                    Err(output::nothing_written(e, &staging.dest))
                }
            }
        }
    }
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(progress_style("steps"));
    bar
}

/// The progress line of `run`, `sweep` and `trial`: a 20-character bar, `done/total UNIT`, the
/// rate in whole units per second and the time left, e.g.
/// `████████░░░░░░░░░░░░ 10000/60480 steps 24713/s eta 2s`. It fits an 80-column terminal for
/// totals up to 10^9 ([`PROGRESS_MAX_WIDTH`]).
pub fn progress_style(unit: &str) -> indicatif::ProgressStyle {
    let template = format!("{{bar:{PROGRESS_BAR_WIDTH}}} {{pos}}/{{len}} {unit} {{rate}} eta {{eta}}");
    indicatif::ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate_text(state.per_sec()));
        })
}

/// Width of the progress bar, characters.
pub const PROGRESS_BAR_WIDTH: usize = 20;

/// The widest progress line: bar, `999999999/999999999 subjects`, a rate of 9 digits, `eta 59m 59s`.
pub const PROGRESS_MAX_WIDTH: usize = PROGRESS_BAR_WIDTH + 1 + 19 + 1 + 8 + 1 + 11 + 1 + "eta 59m 59s".len();
const _: () = assert!(PROGRESS_MAX_WIDTH <= 80, "the progress line must fit an 80-column terminal");

/// A rate in whole units per second: `24713/s` (not `24,713.1071/s`).
pub fn rate_text(per_sec: f64) -> String {
    if per_sec.is_finite() { format!("{:.0}/s", per_sec.max(0.0)) } else { "-/s".to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_shows_whole_numbers_and_fits_80_columns() {
        assert_eq!(rate_text(24713.1071), "24713/s");
        assert_eq!(rate_text(0.4), "0/s");
        assert_eq!(rate_text(f64::INFINITY), "-/s");
        // The widest line, written out.
        let line = format!("{} 999999999/999999999 subjects {} eta 59m 59s", "#".repeat(PROGRESS_BAR_WIDTH), rate_text(999_999_999.0));
        assert!(line.chars().count() <= PROGRESS_MAX_WIDTH, "{line}");
    }
}
