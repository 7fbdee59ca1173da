import { Badge } from '../../components/ui/badge';
import { TableCell } from '../../components/ui/table';

/** A person's name, marked "you" on the signed-in person's own row (which offers fewer actions). */
export function PersonNameCell({ name, isMe }: { name: string; isMe: boolean }) {
  return (
    <TableCell className="whitespace-nowrap font-medium">
      {name}
      {isMe && (
        <Badge tone="info" className="ml-2">
          you
        </Badge>
      )}
    </TableCell>
  );
}
