# Flightdeck's hook client: what a CLI agent's hooks run, once per tool call. It does what `agent-host hook` does
# (agent-host/commands/hook.ts) — same answers, same bytes on stdout and stderr, same exit codes — in Perl with core
# builtins only (no module at all), because starting Node alone costs more than a hook may take (see
# agent-host/cliAgents/hookCommand.ts, which picks this client when perl is present). perl-base is Essential on
# Debian and Ubuntu.
#
#   perl hook.pl --deadline-ms=MS AGENT EVENT [PAYLOAD-JSON]   (the payload is read from stdin when not given)
#
# It speaks the agent endpoint's framing (common/wire/frame.ts: u32 length, u8 kind, JSON-RPC 2.0 as UTF-8):
# agent.hello with the token, then hook.event with the payload as JSON text (the host parses it: there is no JSON
# parser here), both in one write: the host handles a connection's requests in order, and answers hook.event only
# once hello has authenticated it. Fail closed: every failure exits 2 (1 at the end of a turn, see exitOnFailure)
# with the reason on stderr, since Claude Code runs the tool for any other exit of a PreToolUse hook.
#
# Strict without loading strict.pm, whose search through @INC is about 1 ms of this script's ~11 ms start: the bits
# `use strict` sets (refs, subs, vars and their explicit flags; test/integration/cli-agents/hook-command.test.ts
# checks this perl agrees).
BEGIN { $^H |= 0x7e2 }

my $MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;    # hookCommand.ts MAX_HOOK_PAYLOAD_BYTES
my $MAX_FRAME_BYTES = 4 * 1024 * 1024;       # common/wire/frame.ts DEFAULT_MAX_FRAME_BYTES
my $MAX_MESSAGE_BYTES = 64 * 1024 * 1024;    # common/wire/frame.ts DEFAULT_MAX_MESSAGE_BYTES
my ($KIND_RPC, $KIND_RPC_PART) = (1, 5);
my ($AF_UNIX, $SOCK_STREAM) = (1, 1);        # Linux values (no Socket module: it costs more than the rest)
my %UNESCAPE = ('"' => '"', '\\' => '\\', '/' => '/', b => "\b", f => "\f", n => "\n", r => "\r", t => "\t");
my $USAGE = 'usage: agent-host hook claude-code|codex EVENT [PAYLOAD-JSON] (the payload is read from stdin when not given)';

my $failure_code = 2;

sub fail {
  my ($code, $reason) = @_;
  syswrite(STDERR, "Flightdeck (agent-host hook): $reason\n");
  exit $code;
}

$SIG{PIPE} = 'IGNORE';
my $deadline_ms;
if (@ARGV && $ARGV[0] =~ /^--deadline-ms=([1-9][0-9]*)\z/) {
  $deadline_ms = $1;
  shift @ARGV;
}
my ($agent, $event, $payload, @extra) = @ARGV;
fail(2, $USAGE) unless defined $deadline_ms && defined $agent && $agent =~ /\A(?:claude-code|codex)\z/ && defined $event && $event ne '' && !@extra;
$failure_code = 1 if $event eq 'Stop' || $event eq 'SubagentStop';

$SIG{ALRM} = sub { fail($failure_code, "no answer from the host within $deadline_ms ms") };
alarm(int(($deadline_ms + 999) / 1000));
eval { exit ask(); 1 } or fail($failure_code, "the host could not be asked: " . ($@ =~ s/\s+\z//r));

sub ask {
  my $socket_path = $ENV{FLIGHTDECK_AGENT_SOCKET};
  my $token = $ENV{FLIGHTDECK_AGENT_TOKEN};
  fail($failure_code, 'FLIGHTDECK_AGENT_SOCKET is not set: this hook runs only inside a Flightdeck agent') unless defined $socket_path && $socket_path ne '';
  fail($failure_code, 'FLIGHTDECK_AGENT_TOKEN is not set: this hook runs only inside a Flightdeck agent') unless defined $token && $token ne '';
  $payload = read_stdin() unless defined $payload;
  # Only a JSON object is a payload; the host checks the rest (JSON.parse), as `agent-host hook` does before sending.
  fail($failure_code, 'unreadable hook payload: not a JSON object') unless $payload =~ /\A[ \t\r\n]*\{.*\}[ \t\r\n]*\z/s;

  socket(my $socket, $AF_UNIX, $SOCK_STREAM, 0) or die "socket: $!\n";
  die "the socket path $socket_path is too long\n" if length($socket_path) > 107;
  connect($socket, pack('S', $AF_UNIX) . $socket_path . "\0") or die "connect $socket_path: $!\n";
  send_request($socket, 1, 'agent.hello', '{"token":' . json_string($token) . ',"role":"hook"}');
  send_request($socket, 2, 'hook.event', '{"agent":' . json_string($agent) . ',"event":' . json_string($event) . ',"payload":' . json_string($payload) . '}');
  receive_result($socket, 1);
  my $answer = receive_result($socket, 2);
  die "invalid result\n" unless ref $answer eq 'HASH' && defined $answer->{exitCode} && $answer->{exitCode} =~ /^[02]\z/;
  my ($stdout, $stderr) = map { my $text = $answer->{$_} // ''; die "invalid result\n" if ref $text; $text } qw(stdout stderr);
  write_all(\*STDOUT, $stdout) if $stdout ne '';
  write_all(\*STDERR, $stderr =~ /\n\z/ ? $stderr : "$stderr\n") if $stderr ne '';
  return $answer->{exitCode};
}

sub read_stdin {
  my $text = '';
  while (1) {
    my $read = sysread(STDIN, $text, 65536, length $text);
    fail($failure_code, "unreadable hook payload: $!") unless defined $read;
    return $text if $read == 0;
    fail($failure_code, "unreadable hook payload: more than $MAX_PAYLOAD_BYTES bytes") if length($text) > $MAX_PAYLOAD_BYTES;
  }
}

sub write_all {
  my ($handle, $bytes) = @_;
  for (my $at = 0; $at < length $bytes;) {
    my $written = syswrite($handle, $bytes, length($bytes) - $at, $at);
    return unless defined $written;    # the reader is gone: nobody is left to tell
    $at += $written;
  }
}

# One JSON-RPC request, written whole.
sub send_request {
  my ($socket, $id, $method, $params_json) = @_;
  my $json = '{"jsonrpc":"2.0","id":' . $id . ',"method":"' . $method . '","params":' . $params_json . '}';
  # A message past one frame travels as RPC_PART frames ended by an RPC frame (common/wire/frame.ts encodeRpcMessage).
  my $slice = $MAX_FRAME_BYTES - 1;
  for (my $at = 0; ; $at += $slice) {
    my $last = $at + $slice >= length $json;
    my $body = substr($json, $at, $slice);
    write_all($socket, pack('NC', length($body) + 1, $last ? $KIND_RPC : $KIND_RPC_PART) . $body);
    last if $last;
  }
}

# The next answer's result, which must be the one to request $id (dies with the error's message).
sub receive_result {
  my ($socket, $id) = @_;
  my $message = '';
  while (1) {
    my ($length, $kind) = unpack('NC', read_exactly($socket, 5));
    die "malformed frame from the host\n" if $length < 1 || $length > $MAX_FRAME_BYTES;
    $message .= read_exactly($socket, $length - 1);
    die "an answer past $MAX_MESSAGE_BYTES bytes\n" if length $message > $MAX_MESSAGE_BYTES;
    last if $kind == $KIND_RPC;
    die "an unexpected frame (kind $kind) from the host\n" if $kind != $KIND_RPC_PART;
  }
  my $answer = json_decode($message);
  die "not a JSON-RPC answer\n" unless ref $answer eq 'HASH';
  if (ref $answer->{error} eq 'HASH') {
    my $text = $answer->{error}{message};
    die((defined $text && !ref $text ? $text : 'an error without a message') . "\n");
  }
  die "an answer to another request\n" unless defined $answer->{id} && $answer->{id} eq $id && exists $answer->{result};
  return $answer->{result};
}

sub read_exactly {
  my ($socket, $count) = @_;
  my $bytes = '';
  while (length $bytes < $count) {
    my $read = sysread($socket, $bytes, $count - length $bytes, length $bytes);
    die "read: $!\n" unless defined $read;
    die "the host closed the connection\n" if $read == 0;
  }
  return $bytes;
}

# A JSON string of raw UTF-8 bytes: only what JSON forbids raw is escaped, so the host reads back the same bytes.
sub json_string {
  my ($text) = @_;
  $text =~ s/(["\\])/\\$1/g;
  $text =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge;
  return qq("$text");
}

# JSON as JSON.stringify writes it, decoded to Perl values; strings come back as UTF-8 bytes.
sub json_decode {
  my ($json) = @_;
  pos($json) = 0;
  my $value = json_value(\$json);
  $json =~ /\G[ \t\r\n]*/gc;
  die "malformed JSON from the host\n" if pos($json) != length $json;
  return $value;
}

sub json_value {
  my ($json) = @_;
  $$json =~ /\G[ \t\r\n]*/gc;
  if ($$json =~ /\G\{[ \t\r\n]*/gc) {
    my %object;
    return \%object if $$json =~ /\G\}/gc;
    while (1) {
      $$json =~ /\G[ \t\r\n]*(?=")/gc or die "malformed JSON from the host\n";
      my $key = json_value($json);
      $$json =~ /\G[ \t\r\n]*:/gc or die "malformed JSON from the host\n";
      $object{$key} = json_value($json);
      $$json =~ /\G[ \t\r\n]*([,}])/gc or die "malformed JSON from the host\n";
      return \%object if $1 eq '}';
    }
  }
  if ($$json =~ /\G\[[ \t\r\n]*/gc) {
    my @array;
    return \@array if $$json =~ /\G\]/gc;
    while (1) {
      push @array, json_value($json);
      $$json =~ /\G[ \t\r\n]*([,\]])/gc or die "malformed JSON from the host\n";
      return \@array if $1 eq ']';
    }
  }
  if ($$json =~ /\G"/gc) {
    my $text = '';
    # A loop, not one pattern: a repeated group stops matching after 32K rounds (Perl's regex recursion limit).
    while (1) {
      if ($$json =~ /\G([^"\\]+)/gc) { $text .= $1 }
      elsif ($$json =~ /\G"/gc) { return $text }
      elsif ($$json =~ /\G\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})/gc) {
        $text .= utf8_bytes(0x10000 + ((hex($1) - 0xd800) << 10) + (hex($2) - 0xdc00));
      }
      elsif ($$json =~ /\G\\u([0-9a-fA-F]{4})/gc) {
        my $code = hex $1;
        # A lone surrogate: Node writes it as U+FFFD.
        $text .= utf8_bytes($code >= 0xd800 && $code <= 0xdfff ? 0xfffd : $code);
      }
      elsif ($$json =~ /\G\\(["\\\/bfnrt])/gc) { $text .= $UNESCAPE{$1} }
      else { die "malformed JSON from the host\n" }
    }
  }
  return $1 + 0 if $$json =~ /\G(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/gc;
  return 1 if $$json =~ /\Gtrue/gc;
  return 0 if $$json =~ /\Gfalse/gc;
  return undef if $$json =~ /\Gnull/gc;
  die "malformed JSON from the host\n";
}

sub utf8_bytes {
  my $char = chr $_[0];
  utf8::encode($char);
  return $char;
}
