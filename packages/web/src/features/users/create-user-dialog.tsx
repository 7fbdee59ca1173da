import type { UserCreate, UserCreated } from '@infrapilot/protocol';
import { UserPlus } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogDoneFooter, DialogTrigger } from '../../components/ui/dialog';
import { CreateUserForm } from './create-user-form';
import { OneTimeSecret } from './one-time-secret';

/** Creates a person with a role in this org; shows the generated password once when none was given. */
export function CreateUserDialog({ onCreate }: { onCreate: (input: UserCreate) => Promise<UserCreated> }) {
  const [open, setOpen] = useState(false);
  // The generated password lives here only until the dialog closes.
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setCreated(null);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <UserPlus className="h-4 w-4" aria-hidden />
          Create user
        </Button>
      </DialogTrigger>
      {created ? (
        <DialogContent title={`Created ${created.email}`}>
          <OneTimeSecret
            label="Initial password"
            secret={created.password}
            warning={`This password is shown once. Give it to ${created.email} through a safe channel; they can change it under Account after signing in.`}
          />
          <DialogDoneFooter />
        </DialogContent>
      ) : (
        <DialogContent title="Create a user" description="A new account that belongs to this organization with the role you choose.">
          <CreateUserForm
            onCreate={async (input) => {
              const reply = await onCreate(input);
              if (reply.initialPassword) setCreated({ email: reply.user.email, password: reply.initialPassword });
              else setOpen(false);
            }}
          />
        </DialogContent>
      )}
    </Dialog>
  );
}
