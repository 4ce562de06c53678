package migrate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"stratum/tools/durable"
	"stratum/tools/tfstate"
)

// The migration directory (-dir) is one migration, whatever happens
// between its runs. It holds:
//
//	plan.json              the ledger of the last plan
//	plans/<id>.json        every plan made in the directory, by its id
//	migration.log.jsonl    the journal: every step of every plan, apply,
//	                       rollback and retire, appended and fsync'd
//	backups/<timestamp>/   the states as they were before an apply wrote
//	                       anything: one file per state and manifest.json
//	terraform-init/        what `terraform init` recorded for each state's
//	                       backend, reused by the next commands
//	                       (tfbackend.Terraform.InitCache); a cache, safe
//	                       to delete
//
// The journal is the authority. The migration in progress is everything
// it records after the last completed rollback; rollback restores each
// state to the first backup of it that migration took (before its first
// write, however many plans, applies and crashes came after), verify and
// rollback know every object any of its plans placed, and apply after a
// crash finishes what an earlier run of its plan started.

// LogRecord is one line of migration.log.jsonl.
type LogRecord struct {
	Time string `json:"time"`
	// Run identifies one apply or rollback.
	Run  string `json:"run"`
	Plan string `json:"plan,omitempty"`
	// Step: plan, forced-identity, backup, apply-start, push, pushed,
	// source-pushed, applied, interrupted, rollback-start, restored,
	// removed, rolled-back, retire-backup, retired, failed.
	Step      string `json:"step"`
	State     string `json:"state,omitempty"`
	Backup    string `json:"backup,omitempty"`
	BackupSHA string `json:"backup_manifest_sha256,omitempty"`
	Lineage   string `json:"lineage,omitempty"`
	Serial    uint64 `json:"serial,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Count     int    `json:"count,omitempty"`
	Message   string `json:"message,omitempty"`
}

// initCacheDir is the migration directory's cache of initialised
// backends (tfbackend.Terraform.InitCache).
const initCacheDir = "terraform-init"

// logFile is the migration log of the migration directory dir.
func logFile(dir string) string { return filepath.Join(dir, "migration.log.jsonl") }

// newJournal starts a run of plan l appending to dir's log.
func newJournal(dir string, l *Ledger) *journal {
	return &journal{path: logFile(dir), run: runID(), plan: l.ID}
}

// journal appends records to the log, fsync'ing each.
type journal struct {
	path string
	run  string
	plan string
}

func (j *journal) add(r LogRecord) error {
	r.Time = time.Now().UTC().Format(time.RFC3339Nano)
	r.Run, r.Plan = j.run, j.plan
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	crashPoint("after record " + r.Step + " " + r.State)
	return nil
}

// crashHook, set by tests only, is called at every point where a crash
// must leave a migration that the next command recovers: after each
// journal record is on disk, and after each state write returns, before
// it is confirmed and recorded. The crash tests kill the process there.
var crashHook func(point string)

func crashPoint(p string) {
	if crashHook != nil {
		crashHook(p)
	}
}

// currentMigration is the part of the journal that belongs to the
// migration in progress: everything after the last completed rollback,
// which put every state back as it was before.
func currentMigration(recs []LogRecord) []LogRecord {
	start := 0
	for i, r := range recs {
		if r.Step == "rolled-back" {
			start = i + 1
		}
	}
	return recs[start:]
}

// appliedPlans are the ids of the plans whose applies backed states up in
// recs, in the order of their first backup.
func appliedPlans(recs []LogRecord) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Step == "backup" && !seen[r.Plan] {
			seen[r.Plan] = true
			out = append(out, r.Plan)
		}
	}
	return out
}

// failed logs that writing state failed with err.
func (j *journal) failed(state string, err error) {
	j.add(LogRecord{Step: "failed", State: state, Message: err.Error()})
}

func readLog(path string) ([]LogRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var out []LogRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	n := 0
	for sc.Scan() {
		n++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r LogRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// BackupManifest describes one backup folder.
type BackupManifest struct {
	Created string        `json:"created"`
	Plan    string        `json:"plan"`
	Run     string        `json:"run"`
	States  []BackupState `json:"states"`
}

// BackupState is one backed-up state.
type BackupState struct {
	// Name is "source" or a stack name.
	Name    string     `json:"name"`
	Backend BackendRef `json:"backend"`
	// Exists is false for a destination that had no state: rollback
	// removes it.
	Exists bool `json:"exists"`
	// File is the backup file, relative to the backup folder.
	File      string `json:"file,omitempty"`
	Size      int    `json:"size"`
	SHA256    string `json:"sha256,omitempty"`
	Lineage   string `json:"lineage,omitempty"`
	Serial    uint64 `json:"serial,omitempty"`
	VersionID string `json:"s3_version_id,omitempty"`
}

// writeBackup writes every snapshot into dir/backups/<timestamp>/, each
// file fsync'd, the manifest last, and only then renames the folder into
// place: a folder without ".partial" is complete.
func writeBackup(dir string, m *BackupManifest, data map[string][]byte) (string, string, error) {
	root := filepath.Join(dir, "backups")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", "", err
	}
	stamp := time.Now().UTC().Format("20060102T150405.000000000Z")
	final := filepath.Join(root, stamp)
	part := final + ".partial"
	if err := os.Mkdir(part, 0o700); err != nil {
		return "", "", err
	}
	sort.Slice(m.States, func(i, j int) bool { return m.States[i].Name < m.States[j].Name })
	for i := range m.States {
		st := &m.States[i]
		if !st.Exists {
			continue
		}
		b := data[st.Name]
		st.File = st.Name + ".tfstate"
		st.Size = len(b)
		st.SHA256 = tfstate.Checksum(b)
		if err := durable.WriteFile(filepath.Join(part, st.File), b, 0o600); err != nil {
			return "", "", err
		}
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", "", err
	}
	if err := durable.WriteFile(filepath.Join(part, "manifest.json"), raw, 0o600); err != nil {
		return "", "", err
	}
	if err := os.Rename(part, final); err != nil {
		return "", "", err
	}
	if err := durable.SyncDir(root); err != nil {
		return "", "", err
	}
	return final, tfstate.Checksum(raw), nil
}

// loadBackup reads a backup folder and checks every file against the
// manifest's checksums and the manifest against the log's checksum.
func loadBackup(folder, manifestSHA string) (*BackupManifest, map[string][]byte, error) {
	mp := filepath.Join(folder, "manifest.json")
	raw, err := os.ReadFile(mp)
	if err != nil {
		return nil, nil, fmt.Errorf("backup %s: %w", folder, err)
	}
	if manifestSHA != "" && tfstate.Checksum(raw) != manifestSHA {
		return nil, nil, fmt.Errorf("backup %s: manifest.json has checksum %s, the log recorded %s: the backup is corrupted", folder, tfstate.Checksum(raw), manifestSHA)
	}
	var m BackupManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("backup %s: manifest.json: %w", folder, err)
	}
	data := map[string][]byte{}
	for _, st := range m.States {
		if !st.Exists {
			continue
		}
		p := filepath.Join(folder, st.File)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("backup of %s: %w", st.Name, err)
		}
		if len(b) != st.Size {
			return nil, nil, fmt.Errorf("backup of %s: %s has %d bytes, the manifest recorded %d: the backup is truncated", st.Name, p, len(b), st.Size)
		}
		if sum := tfstate.Checksum(b); sum != st.SHA256 {
			return nil, nil, fmt.Errorf("backup of %s: %s has checksum %s, the manifest recorded %s: the backup is corrupted", st.Name, p, sum, st.SHA256)
		}
		if _, err := tfstate.Parse(p, b); err != nil {
			return nil, nil, fmt.Errorf("backup of %s: %w", st.Name, err)
		}
		data[st.Name] = b
	}
	return &m, data, nil
}
