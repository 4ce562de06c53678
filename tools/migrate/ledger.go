package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"stratum/tools/tfbackend"
)

// LedgerVersion is the version of the ledger's format.
const LedgerVersion = 1

// Ledger is the plan: where every instance of the source goes, and what
// the states looked like when it was made. apply refuses to run when the
// source no longer is what the ledger recorded.
type Ledger struct {
	Version int    `json:"version"`
	ID      string `json:"id"`
	Created string `json:"created"`
	// Synthesis is the cdktf.out directory the destinations come from.
	Synthesis string `json:"synthesis"`
	// Mapping is the mapping file used, with its checksum.
	Mapping       string `json:"mapping,omitempty"`
	MappingSHA256 string `json:"mapping_sha256,omitempty"`
	// BackendConfig are the -backend-config arguments of every
	// destination (and of a stack: source).
	BackendConfig []string `json:"backend_config,omitempty"`
	Source        StateRef `json:"source"`
	// Destinations are the stacks that receive at least one instance.
	Destinations map[string]*StateRef `json:"destinations"`
	Entries      []Entry              `json:"entries"`
	Create       []Create             `json:"create"`
	Unmapped     []Problem            `json:"unmapped"`
	Ambiguous    []Problem            `json:"ambiguous"`
	Conflicts    []Problem            `json:"conflicts"`
	Deposed      []Problem            `json:"deposed"`
}

// StateRef is one state: its backend and the snapshot seen by plan.
type StateRef struct {
	Name    string     `json:"name"`
	Backend BackendRef `json:"backend"`
	Exists  bool       `json:"exists"`
	Lineage string     `json:"lineage,omitempty"`
	Serial  uint64     `json:"serial"`
	SHA256  string     `json:"sha256,omitempty"`
	// Kind of the source: "file", "stack" or "backend".
	Kind string `json:"kind,omitempty"`
	// Stack is the name of a stack source (-source stack:NAME).
	// Default: "" (another kind of source).
	Stack string `json:"stack,omitempty"`
	// Inferred says how the backend of a source stack that is no longer
	// synthesized was found; such a source can be retired once emptied
	// (Retire). Default: "" (read from the synthesis or given).
	Inferred string `json:"inferred,omitempty"`
}

// BackendRef is a backend block and its -backend-config arguments.
type BackendRef struct {
	Type          string         `json:"type"`
	Config        map[string]any `json:"config"`
	BackendConfig []string       `json:"backend_config,omitempty"`
}

func (b BackendRef) backend(name string) tfbackend.Backend {
	return tfbackend.Backend{Name: name, Type: b.Type, Config: b.Config, BackendConfig: b.BackendConfig}
}

// Actions of an entry.
const (
	ActionMove   = "move"
	ActionRetire = "retire"
	ActionKeep   = "keep"
)

// Entry is the fate of one source instance.
type Entry struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	// Mode is "managed" or "data".
	Mode   string `json:"mode"`
	Action string `json:"action"`
	// Stack and Destination are set for moves.
	Stack       string `json:"stack,omitempty"`
	Destination string `json:"destination,omitempty"`
	// Construct is the destination's construct path.
	Construct string `json:"construct,omitempty"`
	// Provider is the provider configuration address the destination
	// records, e.g. provider["registry.terraform.io/hashicorp/aws"].
	Provider string `json:"provider,omitempty"`
	// By is how it was decided: "auto", "mapping" or "data source".
	By       string            `json:"by"`
	Rule     string            `json:"rule,omitempty"`
	Identity map[string]string `json:"identity,omitempty"`
	// IdentityCheck is how the object's identity was checked against
	// its destination's: IdentityMatched, IdentityReferenced,
	// IdentityUnchecked or IdentityForced. Empty for data sources and
	// entries that do not move.
	IdentityCheck string `json:"identity_check,omitempty"`
	Reason        string `json:"reason,omitempty"`
	Tainted       bool   `json:"tainted,omitempty"`
	ImportID      string `json:"import_id,omitempty"`
	// Done is set when the destination already holds this very object
	// (a rerun after an interrupted apply).
	Done bool `json:"done,omitempty"`
}

// How an entry's identity was checked (Entry.IdentityCheck).
const (
	// IdentityMatched: every identity attribute the destination declares
	// (literally or through resolved references) equals the object's.
	IdentityMatched = "matched"
	// IdentityReferenced: matched because a matched resource refers to
	// this very object; its own identity differs or is not declared.
	IdentityReferenced = "referenced"
	// IdentityUnchecked: a mapping-file move to a destination that
	// declares no identity attribute that can be resolved.
	IdentityUnchecked = "unchecked"
	// IdentityForced: the identity contradicts the destination's and
	// -force-identity moved it anyway.
	IdentityForced = "forced"
)

// Create is a destination resource the source does not have: the new
// stack will create it.
type Create struct {
	Stack     string `json:"stack"`
	Address   string `json:"address"`
	Type      string `json:"type"`
	Construct string `json:"construct,omitempty"`
}

// Problem is something that blocks apply.
type Problem struct {
	Source     string   `json:"source,omitempty"`
	Type       string   `json:"type,omitempty"`
	Message    string   `json:"message"`
	Candidates []string `json:"candidates,omitempty"`
}

// Blocked reports whether apply must refuse the ledger, and why.
func (l *Ledger) Blocked() []string {
	var why []string
	if n := len(l.Unmapped); n > 0 {
		why = append(why, fmt.Sprintf("%d unmapped", n))
	}
	if n := len(l.Ambiguous); n > 0 {
		why = append(why, fmt.Sprintf("%d ambiguous", n))
	}
	if n := len(l.Conflicts); n > 0 {
		why = append(why, fmt.Sprintf("%d destination conflicts", n))
	}
	if n := len(l.Deposed); n > 0 {
		why = append(why, fmt.Sprintf("%d deposed objects", n))
	}
	return why
}

// Pending counts the moves and retirements apply still has to carry out.
// Every one of them is in the source the plan read, so even a move whose
// destination already holds the object (Done) leaves the source to write.
func (l *Ledger) Pending() int {
	n := 0
	for _, e := range l.Entries {
		if e.Action == ActionMove || e.Action == ActionRetire {
			n++
		}
	}
	return n
}

// stateRefs are the states the plan reads and writes: the source, then
// the destinations by name.
func (l *Ledger) stateRefs() []*StateRef {
	refs := []*StateRef{&l.Source}
	for _, name := range slices.Sorted(maps.Keys(l.Destinations)) {
		refs = append(refs, l.Destinations[name])
	}
	return refs
}

// planFile is where dir keeps plan id: every plan made in a migration
// directory stays there, so that verify and rollback know what each of
// its applies placed.
func planFile(dir, id string) string { return filepath.Join(dir, "plans", id+".json") }

// readPlan reads plan id of dir.
func readPlan(dir, id string) (*Ledger, error) {
	l, err := readLedgerFile(planFile(dir, id))
	if err == nil {
		return l, nil
	}
	// A directory of an earlier version keeps its last plan only.
	if cur, cerr := readLedger(dir); cerr == nil && cur.ID == id {
		return cur, nil
	}
	return nil, fmt.Errorf("plan %s, which the journal records as applied, is missing: %w", id, err)
}

func readLedger(dir string) (*Ledger, error) {
	l, err := readLedgerFile(filepath.Join(dir, "plan.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the plan: %w (run `stratum migrate plan` first)", err)
	}
	return l, err
}

func readLedgerFile(p string) (*Ledger, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var l Ledger
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if l.Version != LedgerVersion {
		return nil, fmt.Errorf("%s: ledger version %d, want %d: plan again with this version", p, l.Version, LedgerVersion)
	}
	return &l, nil
}
