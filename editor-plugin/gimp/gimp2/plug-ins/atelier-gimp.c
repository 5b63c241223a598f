/*
 * atelier-gimp: the one thing GIMP 2.10's Script-Fu cannot do for the Atelier scripts,
 * which is to run the `atelier` command.
 *
 * scripts/atelier.scm does all the GIMP work (dialogs, reading the layer and the
 * selection, inserting the result layers in one undo group). It calls the hidden
 * procedure plug-in-atelier-run with the command's arguments; this plug-in runs the
 * command, turns its progress lines into GIMP's progress bar, and answers with the
 * files the command wrote and the layer name for each ("Atelier fill · seed 1234").
 *
 * Which command: $ATELIER_COMMAND (a command line, e.g. "java -jar /opt/atelier.jar"),
 * else the first line of the file atelier-command beside this plug-in (the installer
 * writes it), else `atelier` on PATH.
 *
 * Cancel: GIMP ends a plug-in whose progress is cancelled with SIGKILL; the command
 * was started with PR_SET_PDEATHSIG, so it gets SIGTERM then, and the `atelier`
 * command cancels its job in the daemon when it is terminated.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libgimp/gimp.h>

#define RUN_PROC    "plug-in-atelier-run"
#define REMOVE_PROC "plug-in-atelier-remove-files"

static void query (void);
static void run   (const gchar *name, gint n_params, const GimpParam *params,
                   gint *n_return_vals, GimpParam **return_vals);

const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };

MAIN ()

static void
query (void)
{
  static const GimpParamDef run_args[] =
  {
    { GIMP_PDB_INT32,  "run-mode",  "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }" },
    { GIMP_PDB_STRING, "operation", "The operation's words for layer names: fill, inpaint, expand, remove background, colorize" },
    { GIMP_PDB_STRING, "arguments", "The atelier command's arguments, one a line, e.g. \"fill\\n--image\\nIN.png\\n...\"" }
  };
  static const GimpParamDef run_results[] =
  {
    { GIMP_PDB_INT32,       "num-files",  "How many files the command wrote" },
    { GIMP_PDB_STRINGARRAY, "files",      "The PNG files the command wrote, in order" },
    { GIMP_PDB_INT32,       "num-names",  "How many layer names (as many as files)" },
    { GIMP_PDB_STRINGARRAY, "names",      "The layer name for each file, e.g. \"Atelier fill · seed 1234\"" },
    { GIMP_PDB_STRING,      "error",      "Empty when the command wrote its pictures, else its sentence for the artist" }
  };
  static const GimpParamDef remove_args[] =
  {
    { GIMP_PDB_INT32,  "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }" },
    { GIMP_PDB_STRING, "files",    "Temporary files to delete, one a line" }
  };

  gimp_install_procedure (RUN_PROC,
                          "Runs the atelier command for the Atelier scripts",
                          "Runs the atelier command (ATELIER_COMMAND, or atelier-command beside this "
                          "plug-in, or atelier on PATH) with the given arguments, shows its progress, "
                          "and returns the files it wrote with a layer name for each. A command that "
                          "fails still returns success with no files and its sentence in 'error': "
                          "GIMP 2.10 crashes when a procedure with these return values reports an "
                          "execution error.",
                          "Atelier", "Atelier", "2024",
                          NULL, "", GIMP_PLUGIN,
                          G_N_ELEMENTS (run_args), G_N_ELEMENTS (run_results),
                          run_args, run_results);

  gimp_install_procedure (REMOVE_PROC,
                          "Deletes the Atelier scripts' temporary files",
                          "Script-Fu cannot delete files; the Atelier scripts call this when a run is over.",
                          "Atelier", "Atelier", "2024",
                          NULL, "", GIMP_PLUGIN,
                          G_N_ELEMENTS (remove_args), 0,
                          remove_args, NULL);
}

/* The command line to run, as an argv the caller frees; or NULL with *error set. */
static gchar **
atelier_command (GError **error)
{
  const gchar *from_env = g_getenv ("ATELIER_COMMAND");
  gchar      **argv = NULL;

  if (from_env != NULL && *from_env != '\0')
    {
      g_shell_parse_argv (from_env, NULL, &argv, error);
      return argv;
    }
  else
    {
      gchar *here     = g_path_get_dirname (gimp_get_progname ());
      gchar *file     = g_build_filename (here, "atelier-command", NULL);
      gchar *contents = NULL;

      g_free (here);
      if (g_file_get_contents (file, &contents, NULL, NULL))
        {
          gchar *newline = strchr (contents, '\n');

          if (newline != NULL)
            *newline = '\0';
          g_strstrip (contents);
          if (*contents != '\0' && ! g_shell_parse_argv (contents, NULL, &argv, error))
            g_prefix_error (error, "%s: ", file);
        }
      g_free (contents);
      g_free (file);
      if (argv == NULL && (error == NULL || *error == NULL))
        {
          argv = g_new0 (gchar *, 2);
          argv[0] = g_strdup ("atelier");
        }
      return argv;
    }
}

/* In the child, before exec: end with us (SIGTERM lets the atelier command cancel its job). */
static void
die_with_parent (gpointer unused)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () == 1)
    _exit (1);
}

typedef struct
{
  const gchar *operation;
  GPtrArray   *files;     /* gchar*: what the command wrote */
  GPtrArray   *names;     /* gchar*: the layer name for each */
  GString     *message;   /* the command's last "atelier: ..." sentence */
  GString     *partial[2];
} Run;

/* "wrote OUT.png (embedded, seed 1234, Red)" -> OUT.png, "Atelier fill · seed 1234 · Red". */
static void
read_wrote_line (Run *r, const gchar *line)
{
  const gchar *open = strrchr (line, '(');
  const gchar *seed;
  gchar       *name;
  gint64       seed_value = 0;
  const gchar *rest = NULL;

  if (! g_str_has_prefix (line, "wrote ") || open == NULL || open < line + 7)
    return;
  seed = strstr (open, "seed ");
  if (seed != NULL)
    {
      gchar *end;

      seed_value = g_ascii_strtoll (seed + 5, &end, 10);
      rest = end;
    }
  if (rest != NULL && g_str_has_prefix (rest, ", "))
    {
      gchar *label = g_strndup (rest + 2, strlen (rest + 2) - (g_str_has_suffix (rest, ")") ? 1 : 0));
      name = g_strdup_printf ("Atelier %s \xc2\xb7 seed %" G_GINT64_FORMAT " \xc2\xb7 %s", r->operation, seed_value, label);
      g_free (label);
    }
  else
    {
      name = g_strdup_printf ("Atelier %s \xc2\xb7 seed %" G_GINT64_FORMAT, r->operation, seed_value);
    }
  g_ptr_array_add (r->files, g_strndup (line + 6, open - 1 - (line + 6)));
  g_ptr_array_add (r->names, name);
}

/* " 40% filling" -> the progress bar; "atelier: ..." -> the message kept for a failure. */
static void
read_progress_line (Run *r, const gchar *line)
{
  gchar  *end;
  gint64  percent = g_ascii_strtoll (line, &end, 10);

  if (end != line && *end == '%')
    {
      gimp_progress_update (CLAMP (percent, 0, 100) / 100.0);
      if (end[1] == ' ' && end[2] != '\0')
        gimp_progress_set_text_printf ("Atelier %s: %s", r->operation, end + 2);
    }
  else if (g_str_has_prefix (line, "atelier: ") && strstr (line, " submitted (") == NULL
           && ! g_str_has_prefix (line, "atelier: building"))
    {
      g_string_assign (r->message, line + strlen ("atelier: "));
    }
  else if (g_str_has_prefix (line, "Exception") || g_str_has_prefix (line, "Error:"))
    {
      g_string_assign (r->message, line);
    }
}

/* Feeds what arrived on stream 0 (stdout) or 1 (stderr) to the line readers. */
static void
take (Run *r, int stream, const gchar *data, gssize length)
{
  GString *partial = r->partial[stream];
  gchar   *newline;

  g_string_append_len (partial, data, length);
  while ((newline = memchr (partial->str, '\n', partial->len)) != NULL)
    {
      gchar *line = g_strndup (partial->str, newline - partial->str);

      g_strchomp (line);
      if (stream == 0)
        read_wrote_line (r, line);
      else
        read_progress_line (r, line);
      if (*line != '\0')
        g_printerr ("atelier-gimp: %s\n", line);
      g_free (line);
      g_string_erase (partial, 0, newline - partial->str + 1);
    }
}

/* Runs the command to its end; returns its exit status, or -1 with *error set when it could not start. */
static gint
run_command (Run *r, gchar **arguments, GError **error)
{
  gchar  **command = atelier_command (error);
  GPtrArray *argv;
  GPid     pid;
  gint     fds[2];
  gint     open_streams = 2;
  gint     status = 0;
  gboolean started;
  gint     i;

  if (command == NULL)
    return -1;
  argv = g_ptr_array_new ();
  for (i = 0; command[i] != NULL; i++)
    g_ptr_array_add (argv, command[i]);
  for (i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, arguments[i]);
  g_ptr_array_add (argv, NULL);

  started = g_spawn_async_with_pipes (NULL, (gchar **) argv->pdata, NULL,
                                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                      die_with_parent, NULL, &pid,
                                      NULL, &fds[0], &fds[1], error);
  if (! started)
    {
      g_prefix_error (error, "Cannot run the atelier command (%s): ", command[0]);
      g_ptr_array_free (argv, TRUE);
      g_strfreev (command);
      return -1;
    }
  g_ptr_array_free (argv, TRUE);
  g_strfreev (command);

  while (open_streams > 0)
    {
      /* poll() skips a closed stream's -1. */
      struct pollfd wait_for[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };

      if (poll (wait_for, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      for (i = 0; i < 2; i++)
        {
          if (fds[i] >= 0 && (wait_for[i].revents & (POLLIN | POLLHUP | POLLERR)))
            {
              gchar   buffer[4096];
              gssize  got = read (fds[i], buffer, sizeof buffer);

              if (got > 0)
                {
                  take (r, i, buffer, got);
                }
              else if (got == 0 || errno != EINTR)
                {
                  take (r, i, "\n", 1);
                  close (fds[i]);
                  fds[i] = -1;
                  open_streams--;
                }
            }
        }
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (pid);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

static void
run (const gchar      *name,
     gint              n_params,
     const GimpParam  *params,
     gint             *n_return_vals,
     GimpParam       **return_vals)
{
  static GimpParam values[6];
  static gchar    *no_files[] = { NULL };
  static gchar    *message = NULL;
  static Run       r;

  *return_vals = values;
  *n_return_vals = 1;
  values[0].type = GIMP_PDB_STATUS;
  values[0].data.d_status = GIMP_PDB_CALLING_ERROR;

  if (strcmp (name, REMOVE_PROC) == 0 && n_params == 2)
    {
      gchar **files = g_strsplit (params[1].data.d_string ? params[1].data.d_string : "", "\n", -1);
      gint    i;

      for (i = 0; files[i] != NULL; i++)
        if (*files[i] != '\0')
          g_unlink (files[i]);
      g_strfreev (files);
      values[0].data.d_status = GIMP_PDB_SUCCESS;
      return;
    }
  if (strcmp (name, RUN_PROC) != 0 || n_params != 3 || params[2].data.d_string == NULL)
    return;

  {
    gchar  **arguments = g_strsplit (params[2].data.d_string, "\n", -1);
    GError  *error = NULL;
    gint     exit_status;

    r.operation = params[1].data.d_string ? params[1].data.d_string : "edit";
    r.files = g_ptr_array_new ();
    r.names = g_ptr_array_new ();
    r.message = g_string_new (NULL);
    r.partial[0] = g_string_new (NULL);
    r.partial[1] = g_string_new (NULL);

    gimp_progress_init_printf ("Atelier %s", r.operation);
    exit_status = run_command (&r, arguments, &error);
    gimp_progress_end ();
    g_strfreev (arguments);

    /* Every declared value, always, with its declared type: GIMP's core reads them by type. */
    values[0].data.d_status = GIMP_PDB_SUCCESS;
    *n_return_vals = 6;
    values[1].type = GIMP_PDB_INT32;
    values[2].type = GIMP_PDB_STRINGARRAY;
    values[3].type = GIMP_PDB_INT32;
    values[4].type = GIMP_PDB_STRINGARRAY;
    values[5].type = GIMP_PDB_STRING;
    if (exit_status == 0 && r.files->len > 0)
      {
        values[1].data.d_int32 = r.files->len;
        values[2].data.d_stringarray = (gchar **) r.files->pdata;
        values[3].data.d_int32 = r.names->len;
        values[4].data.d_stringarray = (gchar **) r.names->pdata;
        values[5].data.d_string = (gchar *) "";
        return;
      }
    values[1].data.d_int32 = 0;
    values[2].data.d_stringarray = no_files;
    values[3].data.d_int32 = 0;
    values[4].data.d_stringarray = no_files;
    if (error != NULL)
      message = g_strdup_printf ("%s. Set ATELIER_COMMAND to the atelier command.", error->message);
    else if (exit_status == 0)
      message = g_strdup ("The atelier command finished but wrote no picture.");
    else if (r.message->len > 0)
      message = g_strdup_printf ("Atelier %s: %s", r.operation, r.message->str);
    else
      message = g_strdup_printf ("Atelier %s: the atelier command ended with status %d.", r.operation, exit_status);
    values[5].data.d_string = message;
  }
}
