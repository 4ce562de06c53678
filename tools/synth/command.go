package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/aws/jsii-runtime-go"

	"stratum/clients"
	"stratum/config"
	"stratum/tools/cli"
)

// The commands that spread synthesis over CI runners (docs/synthesis.md,
// "Synthesis on several runners"): synth-plan says how many shards and
// which cache key, synth-shard synthesizes one shard, synth-merge
// assembles cdktf.out from all of them.

// ShardCommand is `stratum synth-shard -shard i/K -out DIR`.
func ShardCommand(envs []config.Environment, all []clients.Client, source fs.FS) cli.Run {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		if ok, err := Worker(); ok {
			return exit(stderr, err)
		}
		defer jsii.Close()
		f := cli.New(cli.Command{
			Name:     "synth-shard",
			Synopsis: "-shard i/K -out DIR",
			About: `Synthesizes shard i of K of every stack (the engine's split by cost, the same on every runner)
into DIR, reusing the synthesis cache; stratum synth-merge assembles cdktf.out from all K, and
stratum synth-plan says K.`,
		}, stdout, stderr)
		shard := f.String("shard", "", "which shard to synthesize, i/K with 1 <= i <= K (K from stratum synth-plan) (required)")
		out := f.String("out", "", "the shard's directory, new or an earlier shard's (required)")
		f.Required("shard", "out")
		if code, ok := f.Parse(args); !ok {
			return code
		}
		i, k, err := ShardOf(*shard)
		if err != nil {
			return f.Usagef("-shard %q: %v", *shard, err)
		}
		opts, err := OptionsFromEnv(source)
		if err != nil {
			return exit(stderr, err)
		}
		opts.Outdir, opts.Context = *out, ctx
		r, err := Shard(envs, all, i, k, opts)
		if err != nil {
			return exit(stderr, err)
		}
		fmt.Fprintf(stdout, "%s (shard %d of %d)\n", r, i, k)
		return cli.ExitOK
	}
}

// MergeCommand is `stratum synth-merge [-out DIR] SHARD...`.
func MergeCommand(envs []config.Environment, all []clients.Client, source fs.FS) cli.Run {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		f := cli.New(cli.Command{
			Name:      "synth-merge",
			Synopsis:  "[-out DIR] SHARD-DIR...",
			Arguments: true,
			About: `Assembles the shards written by stratum synth-shard into one cdktf.out, byte for byte what one
synthesis writes, and stores their stacks in the synthesis cache. It fails, writing nothing, when a
shard is missing, given twice, damaged, or from other code or configuration.`,
		}, stdout, stderr)
		out := f.String("out", "", "the output directory (default: $CDKTF_OUTDIR, else cdktf.out)")
		if code, ok := f.Parse(args); !ok {
			return code
		}
		if f.NArg() == 0 {
			return f.Usagef("no shard directories: name the K directories stratum synth-shard wrote")
		}
		opts, err := OptionsFromEnv(source)
		if err != nil {
			return exit(stderr, err)
		}
		if *out != "" {
			opts.Outdir = *out
		}
		r, err := Merge(envs, all, f.Args(), opts)
		if err != nil {
			return exit(stderr, err)
		}
		fmt.Fprintln(stdout, r)
		return 0
	}
}

// PlanCommand is `stratum synth-plan [-json] [-target 2.85]`.
func PlanCommand(envs []config.Environment, all []clients.Client, source fs.FS) cli.Run {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		f := cli.New(cli.Command{
			Name:     "synth-plan",
			Synopsis: "[-json] [-target 2.85] [-cores 2]",
			About: `Prints what a pipeline needs before synthesizing on several runners: the number of shards K for
stratum synth-shard -shard i/K (each shard's cold synthesis predicted within -target floors on a
runner of -cores cores), and the synthesis cache's key and restore keys (.cache/synth). The
key=value lines can be appended to $GITHUB_OUTPUT as they are.`,
		}, stdout, stderr)
		asJSON := f.Bool("json", false, "print JSON instead of key=value lines")
		target := f.Float64("target", DefaultShardTarget, "the slowest shard's cold synthesis to stay within, in floors (jsii floor times)")
		cores := f.Int("cores", DefaultModel.Cores, "cores of each runner")
		if code, ok := f.Parse(args); !ok {
			return code
		}
		if *target < 1 || *cores < 1 {
			return f.Usagef("-target %g and -cores %d: want a target of 1 floor or more and 1 core or more", *target, *cores)
		}
		p, err := PlanFor(envs, all, source, *target, *cores)
		if err != nil {
			return exit(stderr, err)
		}
		if *asJSON {
			b, _ := json.MarshalIndent(p, "", "  ")
			fmt.Fprintf(stdout, "%s\n", b)
			return 0
		}
		fmt.Fprintf(stdout, "stacks=%d\ncost=%d\nshards=%d\nslowest-floors=%.2f\n", p.Stacks, p.Cost, p.Shards, p.Slowest)
		fmt.Fprintf(stdout, "cache-key=%s\ncache-restore-code=%s\ncache-restore-any=%s\n", p.Cache.Key, p.Cache.RestoreCode, p.Cache.RestoreAny)
		return 0
	}
}

// Plan is what synth-plan prints.
type Plan struct {
	ShardPlan
	Cache CacheKey `json:"cache"`
}

// CacheKey is the key a pipeline saves .cache/synth under, and the
// prefixes it restores from when no cache was saved under that key.
type CacheKey struct {
	// Key names the code (fingerprint and environment) and the plan
	// (every stack's name and inputs): a run of the same code and data
	// finds every stack there.
	Key string `json:"key"`
	// RestoreCode is the prefix of every key of the same code: the cache
	// of a run with other data, where only the changed clients' stacks
	// miss.
	RestoreCode string `json:"restore_code"`
	// RestoreAny is the prefix of every key: the latest cache saved,
	// where the stacks the code change does not reach still hit.
	RestoreAny string `json:"restore_any"`
}

// PlanFor computes the shard plan and the cache key of envs and all.
func PlanFor(envs []config.Environment, all []clients.Client, source fs.FS, target float64, cores int) (*Plan, error) {
	units, inputs, err := planOf(envs, all)
	if err != nil {
		return nil, err
	}
	code, err := identify(source)
	if err != nil {
		return nil, err
	}
	m := DefaultModel
	m.Cores = cores
	return &Plan{ShardPlan: ChooseShards(units, m, target), Cache: cacheKey(code, planDigest(units, inputs))}, nil
}

// cacheKey names a cache saved by a run of code on a plan. Platforms'
// caches are immutable once saved, so the key changes with the data too;
// the entries themselves are keyed per stack and checked when read, so
// restoring any older cache is safe.
func cacheKey(code codeID, plan string) CacheKey {
	sum := sha256.Sum256([]byte(code.key()))
	prefix := "stratum-synth-" + strings.TrimPrefix(cacheFormat, "stratum-synth-cache ") + "-"
	same := prefix + hex.EncodeToString(sum[:8]) + "-"
	return CacheKey{Key: same + plan[:16], RestoreCode: same, RestoreAny: prefix}
}

func exit(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "stratum: %v\n", err)
	return 1
}
