// Package tfcheck runs the real Terraform CLI over synthesized stacks, the
// tier of `make test` that checks what the snapshot and behaviour tests
// cannot: that the AWS provider accepts every argument and that a plan and
// an apply go through.
//
// Each stack is checked in a scratch copy (see prepareJSON): `terraform
// init -backend=false` and `terraform test` with a generated test file
// whose mocked AWS provider returns realistic values for every data source
// (see mocker), so no credentials are needed and nothing reaches AWS; the
// test validates the configuration before it plans, and `terraform
// validate` of the JSON copy runs only for stacks whose provider blocks
// the HCL validate does not check (Run). Each stack's backend, as synthesized, is initialized
// against an in-process S3 emulator (checkBackends). The HCL rendering of each stack (`make hcl`) and,
// when a tofu binary is available, OpenTofu get init and validate. The
// provider comes from a filesystem mirror or, once, from the registry,
// through a CLI configuration the tier writes itself; the user's own is
// never read.
package tfcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"stratum/config"
)

// Stack is one synthesized stack to check.
type Stack struct {
	Name string
	// Env is the stack's environment: mocked values (account, region,
	// zones, CIDRs) come from it.
	Env config.Environment
	// JSON is the stack's cdk.tf.json as synthesized. It is not modified.
	JSON []byte
	// HCL is the stack's cdk.tf as `cdktf synth --hcl` writes it.
	// Default: nil (the HCL checks are not run for this stack).
	HCL []byte
}

// Options configures Run.
type Options struct {
	// Parallel is how many Terraform processes run at once.
	// Default: runtime.GOMAXPROCS(0).
	Parallel int
	// CacheDir keeps an AWS provider installed from the registry between
	// runs (used only when no mirror has one). Default: a directory in
	// the scratch directory, i.e. nothing is kept.
	CacheDir string
	// TofuDefault is where `make tofu` puts the tofu binary, used when
	// STRATUM_TOFU is unset and no tofu is on PATH. Default: "".
	TofuDefault string
	// Scratch is the directory the copies are written to; it is removed
	// afterwards unless Keep. Default: a new temporary directory.
	Scratch string
	// Keep leaves the scratch directory in place, for debugging.
	Keep bool
	// Only limits the run to these steps (Step… names).
	// Default: nil (every step).
	Only []string
	// Getenv and LookPath replace os.Getenv and exec.LookPath in tests.
	// Default: the real ones.
	Getenv   func(string) string
	LookPath func(string) (string, error)
}

// Step names, in the order the report lists them.
const (
	StepValidate     = "terraform validate"
	StepTest         = "terraform test (mocked plan and apply)"
	StepHCLValidate  = "terraform validate (HCL)"
	StepTofuValidate = "tofu validate"
)

// StepResult is one step of one stack.
type StepResult struct {
	Step string
	// Errors and Warnings are Terraform's diagnostics.
	Errors, Warnings []Diagnostic
	// Failed holds a failure that is not a diagnostic (a command that could
	// not run, a run block that did not pass without saying why).
	Failed string
}

// OK reports whether the step passed.
func (s StepResult) OK() bool { return len(s.Errors) == 0 && s.Failed == "" }

// StackResult is everything the tier did with one stack.
type StackResult struct {
	Name     string
	Prepared *Prepared
	// HCL is the prepared HCL copy, nil when the stack had none.
	HCL   *PreparedHCL
	Steps []StepResult
	// Err is a failure to prepare the stack (bad JSON, no mocked value).
	Err error
}

// step returns the stack's result of a step, adding it when missing.
func (s *StackResult) step(name string) *StepResult { return stepIn(&s.Steps, name) }

// stepIn returns the result of the step name among steps, adding it when
// missing.
func stepIn(steps *[]StepResult, name string) *StepResult {
	for i := range *steps {
		if (*steps)[i].Step == name {
			return &(*steps)[i]
		}
	}
	*steps = append(*steps, StepResult{Step: name})
	return &(*steps)[len(*steps)-1]
}

// Run checks every stack. It returns a *Missing error when terraform or
// the AWS provider cannot be found (the caller skips, or fails in CI), an
// error when the tier could not run at all, and otherwise the report,
// whose Err lists every failure.
//
// Every stack is its own scratch copy and its own module of one root per
// step, so one Terraform process per step checks them all. Starting the
// AWS provider dominates the cost (about 0.5 s of CPU per start, its
// schema another 2 s): checked as 20 separate roots, init, validate and
// test took 145 s of CPU (measured on this project's 2-core machine); as
// modules of one root, 34 s, since init installs the provider once,
// the schema is read once and the mocked run starts the provider a
// handful of times instead of seven times per stack. Diagnostics name the
// stack's module (module.<stack>.<address>); the report gives them back to
// their stack.
func Run(ctx context.Context, stacks []Stack, o Options) (*Report, error) {
	start := time.Now()
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	scratch := o.Scratch
	if scratch != "" {
		if err := os.MkdirAll(scratch, 0o755); err != nil {
			return nil, err
		}
	} else {
		dir, err := os.MkdirTemp("", "stratum-tfcheck-")
		if err != nil {
			return nil, err
		}
		scratch = dir
	}
	if !o.Keep {
		defer os.RemoveAll(scratch)
	}
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(scratch, "provider-cache")
	}
	// Every command runs in its own directory: paths must be absolute.
	for _, p := range []*string{&o.CacheDir, &o.TofuDefault} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return nil, err
			}
			*p = abs
		}
	}
	pinned := ""
	for _, s := range stacks {
		if v := pinnedVersion(s.JSON); v != "" {
			pinned = v
			break
		}
	}
	tc, err := locator{
		getenv: o.Getenv, lookPath: o.LookPath, cacheDir: o.CacheDir,
		tofuDefault: o.TofuDefault, pinned: pinned, scratch: scratch,
	}.locate(ctx)
	if err != nil {
		return nil, err
	}
	rt, err := newRuntime(scratch, tc)
	if err != nil {
		return nil, err
	}
	r := &Report{Toolchain: tc, Workers: o.Parallel, Scratch: scratch}

	// Prepare every copy first: a stack that cannot be prepared fails
	// without starting Terraform, and the others are still checked.
	//
	// A stack's JSON copy gets no validate of its own when the mocked run
	// and the HCL validate together check what it would: terraform test
	// validates the configuration through the real provider before it
	// plans (the mocked provider passes validation through), and the HCL
	// copy's provider blocks, which the mocked copy leaves out, hold the
	// same values as the JSON's (sameProviders). Validating the JSON copy
	// as well started the provider once per provider block again (26
	// processes, 19 s of CPU and 6 GB at the peak for the 25 stacks).
	viaTest := o.runs(StepTest) && o.runs(StepHCLValidate)
	results := make([]*StackResult, len(stacks))
	byName := map[string]*StackResult{}
	var ok, ownValidate, validatedInTest []Stack
	for i, s := range stacks {
		res := &StackResult{Name: s.Name}
		results[i], byName[s.Name] = res, res
		inTest, err := rt.prepare(s, res, viaTest)
		if err != nil {
			res.Err = err
			continue
		}
		ok = append(ok, s)
		if inTest {
			validatedInTest = append(validatedInTest, s)
		} else {
			ownValidate = append(ownValidate, s)
		}
	}
	r.ValidatedInTest = len(validatedInTest)
	if len(ok) > 0 {
		var mu sync.Mutex
		// record adds a step's outcome to the report, and its time unless
		// no command ran for it (a zero began).
		record := func(step string, stacks []Stack, began time.Time, ds []Diagnostic, err error) {
			mu.Lock()
			defer mu.Unlock()
			if !began.IsZero() {
				r.StepTimes = append(r.StepTimes, StepTime{Step: step, Elapsed: time.Since(began)})
			}
			r.attribute(step, stacks, byName, ds, err)
		}
		type stepJob struct {
			step   string
			stacks []Stack
			run    func(context.Context) ([]Diagnostic, error)
		}
		// The mocked plan and apply is the longest: start it first.
		jobs := []stepJob{
			{StepTest, ok, func(ctx context.Context) ([]Diagnostic, error) {
				ds, err := rt.mockedTest(ctx, ok, byName)
				if len(validatedInTest) > 0 {
					var began time.Time // the run's validation has no time of its own
					if err != nil || hasError(ds) {
						began = time.Now()
					}
					vds, verr := rt.validatedByTest(ctx, validatedInTest, ds, err)
					record(StepValidate, validatedInTest, began, vds, verr)
				}
				return ds, err
			}},
			{StepBackend, ok, func(ctx context.Context) ([]Diagnostic, error) { return rt.checkBackends(ctx, ok) }},
		}
		if len(ownValidate) > 0 {
			jobs = append(jobs, stepJob{StepValidate, ownValidate, func(ctx context.Context) ([]Diagnostic, error) {
				return rt.validate(ctx, rt.tc.Terraform, rt.env(), filepath.Join(scratch, "json"))
			}})
		}
		if hasHCL(byName) {
			jobs = append(jobs, stepJob{StepHCLValidate, ok, func(ctx context.Context) ([]Diagnostic, error) {
				return rt.validate(ctx, rt.tc.Terraform, rt.env(), filepath.Join(scratch, "hcl"))
			}})
		}
		if tc.Tofu != "" {
			jobs = append(jobs, stepJob{StepTofuValidate, ok, func(ctx context.Context) ([]Diagnostic, error) {
				return rt.validate(ctx, rt.tc.Tofu, childEnv(scratch, rt.tofurc, nil), filepath.Join(scratch, "tofu"))
			}})
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, o.Parallel)
		for _, j := range jobs {
			if !o.runs(j.step) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				began := time.Now()
				ds, err := j.run(ctx)
				record(j.step, j.stacks, began, ds, err)
			}()
		}
		wg.Wait()
	}
	for _, res := range results {
		sort.SliceStable(res.Steps, func(i, j int) bool { return stepOrder(res.Steps[i].Step) < stepOrder(res.Steps[j].Step) })
		r.Stacks = append(r.Stacks, *res)
	}
	sort.Slice(r.StepTimes, func(i, j int) bool { return stepOrder(r.StepTimes[i].Step) < stepOrder(r.StepTimes[j].Step) })
	r.Elapsed = time.Since(start)
	return r, nil
}

// runs reports whether the run includes step.
func (o Options) runs(step string) bool {
	if len(o.Only) == 0 {
		return true
	}
	for _, s := range o.Only {
		if s == step {
			return true
		}
	}
	return false
}

// StepTime is how long one step took for all stacks.
type StepTime struct {
	Step    string
	Elapsed time.Duration
}

func hasHCL(byName map[string]*StackResult) bool {
	for _, r := range byName {
		if r.HCL != nil {
			return true
		}
	}
	return false
}

// attribute gives each diagnostic of a step to the stack whose module it
// names; what names no stack is a failure of the step as a whole.
func (r *Report) attribute(step string, stacks []Stack, byName map[string]*StackResult, ds []Diagnostic, err error) {
	for _, s := range stacks {
		if step == StepHCLValidate && byName[s.Name].HCL == nil {
			continue
		}
		byName[s.Name].step(step)
	}
	seen := map[string]bool{}
	for _, d := range ds {
		stack, d := splitStack(d)
		key := stack + "\x00" + d.String() + "\x00" + d.Severity
		if seen[key] {
			continue // terraform test repeats a diagnostic per phase
		}
		seen[key] = true
		res := byName[stack]
		var st *StepResult
		if res == nil {
			st = r.stepFailure(step)
		} else {
			st = res.step(step)
		}
		st.add([]Diagnostic{d})
	}
	if err != nil {
		r.stepFailure(step).Failed = err.Error()
	}
}

// stepFailure is the report's entry for failures of a step that name no
// stack.
func (r *Report) stepFailure(step string) *StepResult { return stepIn(&r.Unattributed, step) }

// splitStack finds the stack a diagnostic is about, from its address
// (module.<stack>.<address>) or its file (<stack>/cdk.tf.json), and
// strips the module from the address.
func splitStack(d Diagnostic) (string, Diagnostic) {
	stack := ""
	if rest, ok := strings.CutPrefix(d.Address, "module."); ok {
		if name, addr, ok := strings.Cut(rest, "."); ok {
			stack, d.Address = name, addr
		}
	}
	if dir, _, ok := strings.Cut(filepath.ToSlash(d.File), "/"); ok {
		if stack == "" {
			stack = dir
		}
	}
	return stack, d
}

func stepOrder(step string) int {
	for i, s := range []string{StepBackend, StepValidate, StepTest, StepHCLValidate, StepTofuValidate} {
		if s == step {
			return i
		}
	}
	return 99
}

// pinnedVersion is the AWS provider version a stack's JSON requires.
func pinnedVersion(raw []byte) string {
	var doc struct {
		Terraform struct {
			RequiredProviders map[string]struct {
				Version string `json:"version"`
			} `json:"required_providers"`
		} `json:"terraform"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return ""
	}
	return doc.Terraform.RequiredProviders[awsType].Version
}

// runtimeState is the state shared by the steps of a run.
type runtimeState struct {
	scratch string
	tc      *Toolchain
	// tfrc and tofurc are the CLI configurations of the two tools.
	tfrc, tofurc string
	constraint   string
	// mockers keep each stack's prepared copy for the test file.
	mockers map[string]*mocker
	// aliases are the AWS provider aliases some stack configures (a
	// second region): the root of the steps whose stacks have no provider
	// blocks declares them, and the test file mocks them.
	aliases map[string]bool
}

func newRuntime(scratch string, tc *Toolchain) (*runtimeState, error) {
	rt := &runtimeState{scratch: scratch, tc: tc, tfrc: filepath.Join(scratch, "terraform.tfrc"), mockers: map[string]*mocker{}, aliases: map[string]bool{}}
	if err := os.WriteFile(rt.tfrc, []byte(cliConfig(tc.Mirror, terraformHost)), 0o644); err != nil {
		return nil, err
	}
	if tc.Tofu != "" {
		mirror, err := tofuMirror(scratch, tc)
		if err != nil {
			return nil, fmt.Errorf("tofu: %w", err)
		}
		rt.tofurc = filepath.Join(scratch, "tofu.tfrc")
		if err := os.WriteFile(rt.tofurc, []byte(cliConfig(mirror, tofuHost)), 0o644); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// tofuMirror makes a mirror OpenTofu can use: it looks the provider up
// under registry.opentofu.org, so the Terraform mirror's provider directory
// is recreated there with hard links (OpenTofu does not follow a
// symlinked provider directory), or a copy across file systems.
func tofuMirror(scratch string, tc *Toolchain) (string, error) {
	src := filepath.Join(tc.Mirror, terraformHost, awsNamespace, awsType, tc.ProviderVersion, platform())
	mirror := filepath.Join(scratch, "tofu-mirror")
	dst := filepath.Join(mirror, tofuHost, awsNamespace, awsType, tc.ProviderVersion, platform())
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		real, err := filepath.EvalSymlinks(from)
		if err != nil {
			return "", err
		}
		if err := os.Link(real, to); err == nil {
			continue
		}
		if err := copyFile(real, to); err != nil {
			return "", err
		}
	}
	return mirror, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// prepare writes the stack's scratch copies, one per step: mocked/<stack>/
// (the JSON without provider blocks, so that the test's mocked provider is
// the one every resource uses), hcl/<stack>/, tofu/<stack>/ and, unless
// the mocked run and the HCL validate check what it would (viaTest and
// the HCL's provider blocks are the JSON's; reported as inTest),
// json/<stack>/ for validate; it adds the stack to each step's root
// module.
func (rt *runtimeState) prepare(s Stack, res *StackResult, viaTest bool) (inTest bool, err error) {
	opts := prepareOptions{
		available: func(p string) bool { return p == awsType },
		relax:     relaxedConstraint,
	}
	p, err := prepareJSON(s.Name, s.JSON, opts)
	if err != nil {
		return false, err
	}
	res.Prepared = p
	rt.constraint = p.ProviderConstraint
	// Every data source must have a mocked value: find out now, before
	// any Terraform runs. The test file itself is written once the
	// provider schema is known (mockedTest).
	m := &mocker{stack: s.Name, env: s.Env, f: fakes{env: s.Env}, doc: p.doc}
	if _, err := m.dataOverrides(); err != nil {
		return false, err
	}
	rt.mockers[s.Name] = m
	aliases := providerAliases(p.doc)
	for _, a := range aliases {
		rt.aliases[a] = true
	}
	mocked, err := withoutProviders(p.doc, aliases)
	if err != nil {
		return false, fmt.Errorf("stack %s: %w", s.Name, err)
	}
	files := map[string][]byte{
		filepath.Join("mocked", s.Name, "cdk.tf.json"): mocked,
	}
	if rt.tc.Tofu != "" {
		// OpenTofu runs the same AWS provider binary, which validates
		// every provider block under terraform's validate of the HCL (or
		// of the JSON) copy already; without them it starts the provider
		// once instead of once per stack.
		files[filepath.Join("tofu", s.Name, "cdk.tf.json")] = mocked
	}
	if s.HCL != nil {
		h, err := prepareHCL(s.Name, s.HCL, p, opts)
		if err != nil {
			return false, err
		}
		res.HCL = h
		files[filepath.Join("hcl", s.Name, "cdk.tf")] = h.HCL
	}
	inTest = viaTest && res.HCL != nil && res.HCL.ProvidersDiffer == ""
	if !inTest {
		files[filepath.Join("json", s.Name, "cdk.tf.json")] = p.JSON
	}
	for path, b := range files {
		var passed []string
		if !strings.HasPrefix(path, "json"+string(filepath.Separator)) && !strings.HasPrefix(path, "hcl"+string(filepath.Separator)) {
			// These copies have no provider blocks: the root passes
			// its (mocked) aliased configurations in.
			passed = aliases
		}
		if err := rt.addModule(path, b, passed); err != nil {
			return false, err
		}
	}
	return inTest, nil
}

// addModule writes a stack's copy and lists it in its step's root module.
func (rt *runtimeState) addModule(rel string, b []byte, aliases []string) error {
	path := filepath.Join(rt.scratch, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	step, stack := filepath.Dir(filepath.Dir(rel)), filepath.Base(filepath.Dir(rel))
	root := filepath.Join(rt.scratch, step, "main.tf.json")
	doc := map[string]any{}
	if old, err := os.ReadFile(root); err == nil {
		if err := json.Unmarshal(old, &doc); err != nil {
			return err
		}
	}
	doc["terraform"] = map[string]any{"required_providers": map[string]any{
		awsType: map[string]any{"source": awsType, "version": rt.constraint},
	}}
	mods, _ := doc["module"].(map[string]any)
	if mods == nil {
		mods = map[string]any{}
		doc["module"] = mods
	}
	mod := map[string]any{"source": "./" + stack}
	if len(aliases) > 0 {
		providers := map[string]any{awsType: awsType}
		blocks := []any{map[string]any{}}
		if old, ok := doc["provider"].(map[string]any); ok {
			blocks, _ = old[awsType].([]any)
		}
		for _, a := range aliases {
			ref := awsType + "." + a
			providers[ref] = ref
			if !slices.ContainsFunc(blocks, func(b any) bool { return asMap(b)["alias"] == a }) {
				blocks = append(blocks, map[string]any{"alias": a})
			}
		}
		mod["providers"] = providers
		doc["provider"] = map[string]any{awsType: blocks}
	}
	mods[stack] = mod
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(root, out, 0o644)
}

// withoutProviders is the copy with its provider blocks removed: in the
// mocked run every stack is a module using the root's mocked provider (a
// module's own provider block would not be mocked). A module whose
// resources use aliased configurations (aws.<alias>) declares them as
// configuration_aliases, which the root passes in.
func withoutProviders(doc map[string]any, aliases []string) ([]byte, error) {
	cp := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "provider" {
			cp[k] = v
		}
	}
	if len(aliases) > 0 {
		tf := maps.Clone(asMap(doc["terraform"]))
		reqs := maps.Clone(asMap(tf["required_providers"]))
		aws := maps.Clone(asMap(reqs[awsType]))
		var refs []any
		for _, a := range aliases {
			refs = append(refs, awsType+"."+a)
		}
		aws["configuration_aliases"] = refs
		reqs[awsType], tf["required_providers"], cp["terraform"] = aws, reqs, tf
	}
	return json.MarshalIndent(cp, "", "  ")
}

// providerAliases are the aliases of the stack's AWS provider
// configurations, sorted.
func providerAliases(doc map[string]any) []string {
	var out []string
	blocks, _ := asMap(doc["provider"])[awsType].([]any)
	for _, b := range blocks {
		if a, ok := asMap(b)["alias"].(string); ok && a != "" {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

func (rt *runtimeState) env() map[string]string { return childEnv(rt.scratch, rt.tfrc, nil) }

// initDir runs `<bin> init -backend=false`.
func (rt *runtimeState) initDir(ctx context.Context, tf *tool) error {
	if err := tf.Init(ctx, tfexec.Backend(false)); err != nil {
		return fmt.Errorf("%s init -backend=false: %v\n%s", filepath.Base(tf.ExecPath()), exitStatus(err), strings.TrimSpace(tf.stderr.String()+"\n"+lastLines(tf.stdout.Bytes(), 3)))
	}
	return nil
}

// validate runs init and `validate -json` in a step's root.
func (rt *runtimeState) validate(ctx context.Context, bin string, env map[string]string, dir string) ([]Diagnostic, error) {
	tf, err := newTool(dir, bin, env)
	if err != nil {
		return nil, err
	}
	if err := rt.initDir(ctx, tf); err != nil {
		return nil, err
	}
	tf.stderr.Reset()
	v, err := tf.Validate(ctx)
	if err != nil {
		return nil, fmt.Errorf("validate: %v: %s", exitStatus(err), lastLines(tf.stderr.Bytes(), 5))
	}
	ds := validateDiagnostics(v)
	if !v.Valid && !hasError(ds) {
		return ds, fmt.Errorf("validate: invalid without an error diagnostic: %s", lastLines(tf.stderr.Bytes(), 5))
	}
	return ds, nil
}

func hasError(ds []Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == "error" {
			return true
		}
	}
	return false
}

func (s *StepResult) add(ds []Diagnostic) {
	for _, d := range ds {
		if d.Severity == "error" {
			s.Errors = append(s.Errors, d)
		} else {
			s.Warnings = append(s.Warnings, d)
		}
	}
}

// mockedTest runs `terraform test` over every stack: the provider schema
// says which computed attributes need realistic values, then one run
// plans and applies every stack against the mocked provider, and the test
// framework destroys it all again.
func (rt *runtimeState) mockedTest(ctx context.Context, stacks []Stack, byName map[string]*StackResult) ([]Diagnostic, error) {
	dir := filepath.Join(rt.scratch, "mocked")
	tf, err := newTool(dir, rt.tc.Terraform, rt.env())
	if err != nil {
		return nil, err
	}
	if err := rt.initDir(ctx, tf); err != nil {
		return nil, err
	}
	ps, err := tf.ProvidersSchema(ctx)
	if err != nil {
		return nil, fmt.Errorf("terraform providers schema -json: %v: %s", exitStatus(err), lastLines(tf.stderr.Bytes(), 5))
	}
	sch, err := computedAttributes(ps)
	if err != nil {
		return nil, err
	}
	var data, res []any
	for _, s := range stacks {
		m := rt.mockers[s.Name]
		m.schemas = sch
		d, r, err := m.overrides()
		if err != nil {
			return nil, err
		}
		for _, o := range d {
			data = append(data, o.entry("module."+s.Name+"."))
		}
		for _, o := range r {
			res = append(res, o.entry("module."+s.Name+"."))
		}
	}
	mocks := []any{map[string]any{}}
	for _, a := range slices.Sorted(maps.Keys(rt.aliases)) {
		mocks = append(mocks, map[string]any{"alias": a})
	}
	test, err := json.MarshalIndent(map[string]any{
		"mock_provider":     map[string]any{awsType: mocks},
		"override_data":     data,
		"override_resource": res,
		"run":               map[string]any{mockedRun: map[string]any{"command": "apply"}},
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, testFile), test, 0o644); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	tf.stderr.Reset()
	err = tf.Test(ctx, &out)
	o := parseTest(out.Bytes())
	if st := o.Runs[mockedRun]; st != "pass" && !hasError(o.Diagnostics) {
		return o.Diagnostics, fmt.Errorf("terraform test: run %q ended %q (%v): %s", mockedRun, st, exitStatus(err), lastLines(append(tf.stderr.Bytes(), out.Bytes()...), 5))
	}
	return o.Diagnostics, nil
}

// validatedByTest is the validate step of the stacks whose JSON copy is
// validated within the mocked run. A run that passed validated them (it
// plans nothing before validation passes). A run that failed is followed
// by `terraform validate` of the same root (it has no provider blocks,
// so the provider starts once), which tells the failures of validation
// from those of the plan and apply; its diagnostics about other stacks
// are theirs to report.
func (rt *runtimeState) validatedByTest(ctx context.Context, stacks []Stack, testDiags []Diagnostic, testErr error) ([]Diagnostic, error) {
	if testErr == nil && !hasError(testDiags) {
		return nil, nil
	}
	ds, err := rt.validate(ctx, rt.tc.Terraform, rt.env(), filepath.Join(rt.scratch, "mocked"))
	mine := map[string]bool{}
	for _, s := range stacks {
		mine[s.Name] = true
	}
	var out []Diagnostic
	for _, d := range ds {
		if stack, _ := splitStack(d); stack == "" || mine[stack] || rt.mockers[stack] == nil {
			out = append(out, d)
		}
	}
	return out, err
}

// mockedRun is the test file's run block: it plans, then applies.
const mockedRun = "plan_and_apply"
