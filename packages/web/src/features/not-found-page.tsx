import { Link } from 'react-router';
import { Button } from '../components/ui/button';
import { EmptyState } from '../components/ui/states';

export function NotFoundPage() {
  return (
    <EmptyState
      title="There is no page here"
      action={
        <Button asChild variant="secondary">
          <Link to="/">Go to the overview</Link>
        </Button>
      }
    >
      The address may be mistyped, or what it pointed to was removed.
    </EmptyState>
  );
}
