#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The creation guard (docs/architecture.md "Creation guard"): with deny patterns that a file
# created in a write root could match, every way of creating or naming a file inside the
# sandbox is decided by srt's helper on the real parent path plus the name. Real sandboxes,
# checked on the host.
. "$(dirname "$0")/libtest.sh"
require_sandbox
command -v python3 >/dev/null || skip_all "python3 is needed for the system-call level checks"

P=$T/proj
mkdir -p "$P/sub" "$P/existing"
echo old >"$P/existing/here.pem"
echo old >"$P/existing/.env"
echo plain >"$P/sub/plain.txt"
cd "$P" || exit 1
S=$T/s.json
settings "$S" '{"denyRead":["**/*.pem","**/keys/*.key"],"allowWrite":["."],"denyWrite":["**/.env"]}'

# every denied name below must be absent on the host after each run
check_host_clean() { # DESCRIPTION
	local found
	found=$(find "$P" -name '*.pem' ! -path "$P/existing/here.pem" -o -name .env \
		! -path "$P/existing/.env" -o -path '*/keys/*.key' | head -5)
	is "$found" "" "$1: no denied name on the host"
}

# ---- shell tools ----
srt_run -s "$S" sh -c '
echo x >sub/.env; echo "redir=$?"
mkdir newdir && echo x >newdir/x.pem; echo "newdir=$?"
touch sub/t.pem; echo "touch=$?"
mkdir sub/d.pem; echo "mkdir=$?"
mv sub/plain.txt sub/moved.pem; echo "mv=$?"
ln sub/plain.txt sub/hard.pem; echo "ln=$?"
ln -s plain.txt sub/.env; echo "lns=$?"
cp sub/plain.txt newdir/c.pem; echo "cp=$?"
install -m 600 sub/plain.txt newdir/i.pem; echo "install=$?"
mkfifo sub/f.pem; echo "mkfifo=$?"
echo ok >sub/fine.txt && touch newdir/fine && mkdir newdir/d && ln -s fine.txt sub/link &&
  ln sub/fine.txt sub/hard && mv sub/hard sub/hard2 && cp sub/fine.txt newdir/copy; echo "allowed=$?"
' 2>/dev/null
for w in redir newdir touch mkdir mv ln lns cp install mkfifo; do
	case "$OUT" in *"$w=0"*) ok 1 "$w: refused" ;; *"$w="[1-9]*) ok 0 "$w: refused" ;;
	*) ok 1 "$w: no result ($OUT)" ;; esac
done
like "$OUT" "allowed=0" "allowed names in the same directories: file, directory, links, rename, copy"
[ -s "$P/sub/fine.txt" ] && [ -d "$P/newdir/d" ] && [ -L "$P/sub/link" ] && [ -e "$P/sub/hard2" ] &&
	[ -e "$P/newdir/copy" ] && [ -e "$P/sub/plain.txt" ]
ok $? "and they exist on the host (the refused mv left its source)"
check_host_clean "shell tools"

# ---- system calls from python: O_CREAT, rename, link, O_TMPFILE, dirfds, umask ----
srt_run -s "$S" python3 -c '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
def res(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
res("os.open", lambda: os.open("sub/o.pem", os.O_CREAT | os.O_WRONLY, 0o644))
res("os.open-excl", lambda: os.open("sub/.env", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
res("os.rename", lambda: os.rename("sub/plain.txt", "sub/r.pem"))
res("os.replace", lambda: os.replace("sub/plain.txt", "newdir/.env"))
res("os.link", lambda: os.link("sub/plain.txt", "sub/l.pem"))
res("os.symlink", lambda: os.symlink("/etc/passwd", "sub/s.pem"))
res("os.mkdir", lambda: os.mkdir("keys"))
res("keys-key", lambda: os.open("keys/a.key", os.O_CREAT | os.O_WRONLY, 0o644))
res("keys-txt", lambda: os.open("keys/a.txt", os.O_CREAT | os.O_WRONLY, 0o644))
d = os.open("sub", os.O_RDONLY | os.O_DIRECTORY)
res("dirfd-pem", lambda: os.open("df.pem", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=d))
res("dirfd-ok", lambda: os.open("df.txt", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=d))
res("dirfd-mkdir", lambda: os.mkdir("dd.pem", dir_fd=d))
res("dirfd-dotdot", lambda: os.open("../sub/dd2.pem", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=d))
os.chdir("newdir")
res("cwd-pem", lambda: os.open("cwd.pem", os.O_CREAT | os.O_WRONLY, 0o644))
res("cwd-dotdot", lambda: os.open("../sub/cwd2.pem", os.O_CREAT | os.O_WRONLY, 0o644))
res("cwd-ok", lambda: os.open("cwd.txt", os.O_CREAT | os.O_WRONLY, 0o644))
os.chdir("..")
os.umask(0o027)
res("umask", lambda: os.open("sub/um.txt", os.O_CREAT | os.O_WRONLY, 0o666))
res("umask-dir", lambda: os.mkdir("sub/umd", 0o777))
for name in (b"sub/tmp.txt", b"sub/tmp.pem"):
    fd = os.open("sub", os.O_TMPFILE | os.O_WRONLY, 0o600)
    os.write(fd, b"t")
    r = libc.linkat(-100, b"/proc/self/fd/%d" % fd, -100, name, 0x400)
    print("tmpfile-proc", name.decode(), "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
    fd = os.open("sub", os.O_TMPFILE | os.O_WRONLY, 0o600)
    r = libc.linkat(fd, b"", -100, name.replace(b"tmp", b"emp"), 0x1000)
    print("tmpfile-empty", name.decode(), "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
r = libc.syscall(437, -100, b"sub/o2.txt", None, 0)
print("openat2", errno.errorcode.get(ctypes.get_errno(), "?") if r < 0 else "ok")
res("existing-creat", lambda: os.close(os.open("existing/.env", os.O_CREAT | os.O_RDONLY, 0o644)))
res("existing-creat-w", lambda: os.close(os.open("existing/.env", os.O_CREAT | os.O_WRONLY, 0o644)))
res("existing-ok", lambda: os.close(os.open("sub/fine.txt", os.O_CREAT | os.O_RDWR, 0o644)))
res("dangling", lambda: (os.symlink("nowhere.txt", "sub/dangle"),
                          os.open("sub/dangle", os.O_CREAT | os.O_WRONLY, 0o644)))
res("through-link", lambda: (os.symlink("fine.txt", "sub/tofine"),
                              os.close(os.open("sub/tofine", os.O_CREAT | os.O_WRONLY, 0o644))))
' 2>/dev/null
for w in os.open os.open-excl os.rename os.replace os.link os.symlink keys-key dirfd-pem \
	dirfd-mkdir dirfd-dotdot cwd-pem cwd-dotdot; do
	like $'\n'"$OUT"$'\n' $'\n'"$w EACCES"$'\n' "$w: EACCES"
done
for w in os.mkdir keys-txt dirfd-ok cwd-ok umask umask-dir existing-ok through-link; do
	like $'\n'"$OUT"$'\n' $'\n'"$w ok"$'\n' "$w: allowed"
done
like "$OUT" "tmpfile-proc sub/tmp.txt ok" "O_TMPFILE named through /proc/self/fd: allowed name"
like "$OUT" "tmpfile-proc sub/tmp.pem EACCES" "... denied name refused"
like "$OUT" "tmpfile-empty sub/tmp.txt ok" "O_TMPFILE named with AT_EMPTY_PATH: allowed name"
like "$OUT" "tmpfile-empty sub/tmp.pem EACCES" "... denied name refused"
like "$OUT" "openat2 ENOSYS" "openat2 fails with ENOSYS while the guard is on"
like "$OUT" "existing-creat ok" "an existing file under a denied name opened with O_CREAT is just opened"
like "$OUT" "existing-creat-w EROFS" "... and its mount still decides (read-only: EROFS)"
like "$OUT" "dangling EACCES" "O_CREAT through a dangling symbolic link is refused (conservative)"
[ -e "$P/sub/tmp.txt" ] && [ -e "$P/sub/df.txt" ] && [ -e "$P/newdir/cwd.txt" ] &&
	[ -e "$P/keys/a.txt" ] && [ ! -e "$P/sub/nowhere.txt" ]
ok $? "the allowed files exist on the host where the process meant them; nothing via the link"
is "$(stat -c %a "$P/sub/um.txt")" 640 "the caller's umask applies to files"
is "$(stat -c %a "$P/sub/umd")" 750 "and to directories"
check_host_clean "system calls"

# ---- O_CREAT opens of the caller's own descriptors by name ----
srt_run -s "$S" sh -c 'echo to-err >/dev/stderr; echo to-out >/dev/stdout; echo fd >/dev/fd/1;
	echo proc >/proc/self/fd/1; echo null >/dev/null; echo "rc=$?"'
is "$OUT" "to-out
fd
proc
rc=0" "> /dev/stdout, /dev/fd/1, /proc/self/fd/1 and /dev/null work with the guard on"
like "$ERR" "to-err" "> /dev/stderr too"
srt_run -s "$S" sh -c 'exec 3</dev/null; echo x >/dev/fd/3' 2>/dev/null
is "$RC" 2 "a read-only descriptor is not opened for writing by name"

# ---- a guarded open that never completes (a FIFO nobody opens) does not keep srt alive ----
timeout -s KILL 120 timeout -s INT 2 "$SRT" -s "$S" sh -c 'mkfifo sub/fifo; echo x >sub/fifo' \
	>/dev/null 2>&1
is "$?" 124 "srt interrupted while the helper waits on a FIFO ends (not killed by the outer timeout)"
sleep 1
is "$(pgrep -f "srt-exec --guard.*$P" || true)" "" "and no helper is left"
rm -f "$P/sub/fifo"

# ---- renaming a directory so that what it holds would match ----
mkdir -p "$P/dir1" && echo k >"$P/dir1/a.key"
srt_run -s "$S" sh -c 'mv dir1 dir2 && echo "plain=0"; mkdir -p zz && mv dir2 zz/keys; echo "into=$?"'
like "$OUT" "plain=0" "a directory rename that changes nothing for the patterns works"
like "$OUT" "into=1" "renaming a directory holding a.key to .../keys is refused"
[ ! -e "$P/zz/keys" ] && [ -e "$P/dir2/a.key" ]
ok $? "and did not happen"
check_host_clean "directory renames"

# ---- git in a write root with the guard active; a checkout of a denied name ----
git -C "$P" init -q repo && (cd "$P/repo" && mkdir conf && echo s >conf/.env &&
	git add -f conf/.env && git -c user.name=t -c user.email=t@t commit -qm init && rm conf/.env) ||
	exit 1
srt_run -s "$S" sh -c 'cd repo && echo hi >README && git add README &&
	git -c user.name=t -c user.email=t@t commit -qm readme && echo "commit=ok";
	git checkout -- conf/.env 2>/dev/null; echo "checkout=$?"
	cd .. && git init -q fresh && cd fresh && echo a >a && git add a &&
	git -c user.name=t -c user.email=t@t commit -qm a && echo "fresh=ok"'
like "$OUT" "commit=ok" "git commit in a write root works with the guard on"
unlike "$OUT" "checkout=0" "git checkout of a file named .env fails"
like "$OUT" "checkout=" "(git ran)"
[ ! -e "$P/repo/conf/.env" ]
ok $? "and the file is not on the host"
like "$OUT" "fresh=ok" "git init && git commit of a new repository works"
check_host_clean "git"

# ---- violation reported ----
srt_run -s "$S" --violations "$T/v.jsonl" sh -c 'touch sub/rep.pem' 2>/dev/null
like "$(cat "$T/v.jsonl" 2>/dev/null)" "$P/sub/rep.pem" "the refusal is reported with the real path"
like "$(cat "$T/v.jsonl" 2>/dev/null)" "creation guard" "as the creation guard's"

# ---- a racing thread that swaps the path string never gets a denied name created ----
srt_run -s "$S" python3 -c '
import ctypes, os, threading
libc = ctypes.CDLL(None, use_errno=True)
good, bad = b"race/ok-file.txt\0", b"race/xxxxxxx.pem\0"
os.mkdir("race")
buf = ctypes.create_string_buffer(good, len(good))
stop = False
def flip():
    while not stop:
        ctypes.memmove(buf, bad, len(bad))
        ctypes.memmove(buf, good, len(good))
t = threading.Thread(target=flip); t.start()
okc = errc = 0
for i in range(3000):
    fd = libc.open(buf, 0o101, 0o644)
    if fd >= 0:
        okc += 1; os.close(fd)
    else:
        errc += 1
stop = True; t.join()
print("done", okc, errc)
'
[[ "$OUT" =~ ^done\ [1-9][0-9]*\ [1-9][0-9]*$ ]]
ok $? "the race ran: some creations succeeded, some were refused ($OUT)"
[ ! -e "$P/race/xxxxxxx.pem" ]
ok $? "no denied name was ever created while the path string was being swapped"
check_host_clean "race"

done_testing
