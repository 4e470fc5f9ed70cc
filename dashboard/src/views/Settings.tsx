import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import type { Role } from "../api/client";
import { useClient, useSession } from "../auth/session";
import { ErrorNote, Loading, TableScroll } from "../components/common";
import { useLoad } from "../components/useLoad";
import { Time } from "../format/time";
import { useAction } from "../components/useAction";

export function SettingsView() {
  const { user } = useSession();
  return (
    <>
      <h1>Settings</h1>
      {user?.role === "owner" ? <UsersSection /> : null}
      <SessionsSection />
      <PasswordSection />
    </>
  );
}

function UsersSection() {
  const client = useClient();
  const { user: me } = useSession();
  const users = useLoad((api) => api.users.list(), []);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const { run, busy, error } = useAction();

  const add = (event: FormEvent) => {
    event.preventDefault();
    return run("add", async () => {
      await client.users.create(email, role, password);
      setEmail("");
      setPassword("");
      users.reload();
    });
  };
  const remove = (userId: string) =>
    run(userId, async () => {
      await client.users.remove(userId);
      users.reload();
    });

  return (
    <section className="panel" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <ErrorNote error={users.error} />
      {users.loading && !users.data ? <Loading what="users" /> : null}
      {users.data ? (
        <TableScroll label="User list">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.data.map((user) => (
                <tr key={user.id}>
                  <td>{user.email}</td>
                  <td>{user.role}</td>
                  <td>
                    <Time unix={user.created} />
                  </td>
                  <td>
                    {user.id !== me?.id ? (
                      <button type="button" className="button-quiet" onClick={() => void remove(user.id)}>
                        Remove {user.email}
                      </button>
                    ) : (
                      "You"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <form className="inline-form" onSubmit={(event) => void add(event)} aria-label="Add a user">
        <label>
          Email
          <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="developer">Developer</option>
            <option value="owner">Owner</option>
          </select>
        </label>
        <label>
          First password
          <input type="password" required minLength={10} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" disabled={busy !== null}>
          Add user
        </button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}

function SessionsSection() {
  const client = useClient();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const sessions = useLoad((api) => api.auth.sessions(), []);
  const { run, error } = useAction();

  const revoke = async (sessionId: string, current: boolean) => {
    if (current) {
      await signOut();
      navigate("/signin");
      return;
    }
    await run(sessionId, async () => {
      await client.auth.revokeSession(sessionId);
      sessions.reload();
    });
  };

  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <ErrorNote error={sessions.error} />
      {sessions.loading && !sessions.data ? <Loading what="sessions" /> : null}
      {sessions.data ? (
        <TableScroll label="Session list">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Browser</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last refreshed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.data.map((session) => (
                <tr key={session.id} data-testid="session-row">
                  <td>
                    {session.user_agent ?? "Unknown"}
                    {session.current ? <strong> (this browser)</strong> : null}
                  </td>
                  <td>
                    <Time unix={session.created} />
                  </td>
                  <td>
                    <Time unix={session.last_refreshed ?? session.created} />
                  </td>
                  <td>
                    <button type="button" className="button-quiet" onClick={() => void revoke(session.id, Boolean(session.current))}>
                      {session.current ? "Sign out" : "Revoke"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <ErrorNote error={error} />
    </section>
  );
}

function PasswordSection() {
  const client = useClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { run, busy, error } = useAction();

  const change = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    await run("change", async () => {
      await client.auth.changePassword(current, next);
      setCurrent("");
      setNext("");
      setDone("Password changed. Your other sessions have been signed out.");
    });
  };

  return (
    <section className="panel" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form className="stack-form" onSubmit={(event) => void change(event)}>
        <label>
          Current password
          <input type="password" required autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New password
          <input type="password" required minLength={10} maxLength={256} autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <ErrorNote error={error} />
        {done ? <p role="status">{done}</p> : null}
        <button type="submit" className="button-primary" disabled={busy !== null}>
          Change password
        </button>
      </form>
    </section>
  );
}
