// Command measure runs a command and reports what its whole process tree
// cost: wall time, CPU time and peak resident memory, summed over every
// descendant (the jsii Node.js processes included) and for the largest
// single process. /usr/bin/time reports only the largest process, and
// jsii's Node.js children outlive the Go program that started them, so
// neither its rusage nor the shell's time builtin sees them.
//
//	measure [-o result.json] [-interval 20ms] -- command [args...]
//
// The command's own output passes through. The result is one JSON object
// (see result) written to -o, or to stderr. The exit code is the
// command's.
//
// How: measure makes itself a child subreaper (prctl
// PR_SET_CHILD_SUBREAPER), so descendants whose parent exits are
// reparented to it instead of to init and stay in the tree; it samples
// /proc every -interval for the resident set of every descendant; it
// reaps every process that ends up its child with wait4 and adds up their
// rusage, which already includes what their own waited-for children used.
// Resident sets are summed as reported (VmRSS): pages shared between
// processes (the node binary, for one) are counted once per process, so
// the tree figure errs high, never low. A process that lives shorter
// than the interval may be missed by the memory samples (not by the CPU
// total). Linux only.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// result is what measure reports.
type result struct {
	Command []string `json:"command"`
	// WallSeconds runs from the start of the command to its exit.
	WallSeconds float64 `json:"wall_seconds"`
	// CPUSeconds is user plus system time of every process of the tree.
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakTreeRSSBytes is the largest sum of the resident sets of all
	// processes of the tree seen at one sample.
	PeakTreeRSSBytes int64 `json:"peak_tree_rss_bytes"`
	// PeakProcessRSSBytes is the largest resident set of one process, and
	// PeakProcess that process's command name.
	PeakProcessRSSBytes int64  `json:"peak_process_rss_bytes"`
	PeakProcess         string `json:"peak_process"`
	// Processes is how many distinct processes the samples saw, and
	// PeakProcesses the most seen alive at once.
	Processes     int `json:"processes"`
	PeakProcesses int `json:"peak_processes"`
	Samples       int `json:"samples"`
	ExitCode      int `json:"exit_code"`
}

const prSetChildSubreaper = 36

func main() {
	out := flag.String("o", "", "write the JSON result to this file (default: stderr)")
	interval := flag.Duration("interval", 20*time.Millisecond, "time between two samples of /proc")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: measure [-o result.json] [-interval 20ms] -- command [args...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	r, err := run(flag.Args(), *interval)
	if err != nil {
		fmt.Fprintf(os.Stderr, "measure: %v\n", err)
		os.Exit(2)
	}
	b, _ := json.Marshal(r)
	b = append(b, '\n')
	if *out == "" {
		os.Stderr.Write(b)
	} else if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "measure: %v\n", err)
		os.Exit(2)
	}
	os.Exit(r.ExitCode)
}

func run(args []string, interval time.Duration) (*result, error) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return nil, fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	r := &result{Command: args}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	main := cmd.Process.Pid

	s := &sampler{self: os.Getpid(), seen: map[int]bool{}, page: int64(os.Getpagesize())}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	// Reap until no child is left: the command first, then whatever it
	// left behind (reparented to us).
	var cpu time.Duration
	for {
		var status syscall.WaitStatus
		var ru syscall.Rusage
		pid, err := syscall.Wait4(-1, &status, 0, &ru)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.ECHILD) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wait4: %w", err)
		}
		cpu += time.Duration(ru.Utime.Nano()) + time.Duration(ru.Stime.Nano())
		if pid == main {
			r.WallSeconds = time.Since(start).Seconds()
			switch {
			case status.Exited():
				r.ExitCode = status.ExitStatus()
			case status.Signaled():
				r.ExitCode = 128 + int(status.Signal())
			}
		}
	}
	close(stop)
	wg.Wait()
	r.CPUSeconds = cpu.Seconds()
	r.PeakTreeRSSBytes, r.PeakProcessRSSBytes, r.PeakProcess = s.peakTree, s.peakProc, s.peakName
	r.Processes, r.PeakProcesses, r.Samples = len(s.seen), s.peakCount, s.samples
	return r, nil
}

// sampler reads the resident sets of self's descendants from /proc.
type sampler struct {
	self      int
	page      int64
	seen      map[int]bool
	samples   int
	peakTree  int64
	peakProc  int64
	peakName  string
	peakCount int
}

func (s *sampler) sample() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	parent := map[int]int{}
	name := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, comm, ok := readStat(pid)
		if !ok {
			continue
		}
		parent[pid], name[pid] = ppid, comm
	}
	var tree int64
	count := 0
	for pid := range parent {
		if !s.descends(pid, parent) {
			continue
		}
		rss := readRSS(pid, s.page)
		if rss == 0 {
			continue // exited, or a zombie
		}
		s.seen[pid] = true
		count++
		tree += rss
		if rss > s.peakProc {
			s.peakProc, s.peakName = rss, name[pid]
		}
	}
	s.samples++
	if tree > s.peakTree {
		s.peakTree = tree
	}
	if count > s.peakCount {
		s.peakCount = count
	}
}

func (s *sampler) descends(pid int, parent map[int]int) bool {
	for depth := 0; depth < 64 && pid > 1; depth++ {
		p, ok := parent[pid]
		if !ok {
			return false
		}
		if p == s.self {
			return true
		}
		pid = p
	}
	return false
}

// readStat returns the parent pid and command name from /proc/<pid>/stat.
func readStat(pid int) (ppid int, comm string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, "", false
	}
	// The name is in parentheses and may itself contain spaces or ')'.
	st := string(b)
	open, end := strings.IndexByte(st, '('), strings.LastIndexByte(st, ')')
	if open < 0 || end < open {
		return 0, "", false
	}
	fields := strings.Fields(st[end+1:])
	if len(fields) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(fields[1])
	return ppid, st[open+1 : end], err == nil
}

// readRSS returns the resident set of pid in bytes, from /proc/<pid>/statm.
func readRSS(pid int, page int64) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "statm"))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * page
}
