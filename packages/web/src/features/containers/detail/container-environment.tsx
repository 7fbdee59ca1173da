import { Eye, EyeOff } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { EmptyState } from '../../../components/ui/states';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from '../../../components/ui/table';

const MASK = '••••••••';

/**
 * The container's environment. Values often hold secrets, so each stays masked until
 * revealed (one row, or all); a role that may not read them gets none from the server
 * (null), and the page says so instead of offering to reveal.
 */
export function ContainerEnvironment({ variables }: { variables: ReadonlyArray<{ name: string; value: string | null }> }) {
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(new Set());
  if (variables.length === 0) return <EmptyState title="No environment variables">This container was created without any.</EmptyState>;
  const readable = variables.filter((variable) => variable.value !== null);
  const allRevealed = readable.length > 0 && readable.every((variable) => revealed.has(variable.name));
  const toggle = (name: string) =>
    setRevealed((current) => {
      const next = new Set(current);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  return (
    <div className="grid gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">
          {readable.length === 0
            ? 'Values are hidden for your role: only operators and super admins can read them.'
            : 'Values are masked; reveal them one at a time or all at once. They may hold passwords and keys.'}
        </p>
        {readable.length > 0 && (
          <Button variant="secondary" size="sm" onClick={() => setRevealed(allRevealed ? new Set() : new Set(readable.map((variable) => variable.name)))}>
            {allRevealed ? <EyeOff className="h-4 w-4" aria-hidden /> : <Eye className="h-4 w-4" aria-hidden />}
            {allRevealed ? 'Hide all' : 'Reveal all'}
          </Button>
        )}
      </div>
      <Table aria-label="Environment variables">
        <TableHead>
          <tr>
            <TableHeaderCell>Name</TableHeaderCell>
            <TableHeaderCell>Value</TableHeaderCell>
            <TableActionsHeaderCell label="Show or hide" />
          </tr>
        </TableHead>
        <TableBody>
          {variables.map((variable, index) => {
            const shown = variable.value !== null && revealed.has(variable.name);
            return (
              <TableRow key={`${variable.name}-${index}`}>
                <TableCell className="whitespace-nowrap font-mono text-xs">{variable.name}</TableCell>
                <TableCell className="max-w-xl break-all font-mono text-xs" data-testid={`env-value-${variable.name}`}>
                  {variable.value === null ? (
                    <span className="font-sans italic text-muted-foreground">hidden for your role</span>
                  ) : shown ? (
                    variable.value
                  ) : (
                    <>
                      <span aria-hidden>{MASK}</span>
                      <span className="sr-only">hidden</span>
                    </>
                  )}
                </TableCell>
                <TableCell className="text-right">
                  {variable.value !== null && (
                    <Button variant="ghost" size="sm" onClick={() => toggle(variable.name)}>
                      {shown ? <EyeOff className="h-4 w-4" aria-hidden /> : <Eye className="h-4 w-4" aria-hidden />}
                      <span className="sr-only">{shown ? `Hide ${variable.name}` : `Reveal ${variable.name}`}</span>
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
